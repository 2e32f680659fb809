// The page: take the chosen folder, check it as bundle_verifier.bundle.verify_bundle does,
// and show VALID or every problem in the Python verifier's words. Nothing leaves the page.

const NO_LOG_NOTE =
  "log/: absent; this bundle was exported before custody events were committed to the " +
  "transparency log, so it carries no log proofs (digests, signature and custody chains " +
  "were checked)";

async function verifyFolder(files, pinned, onProgress) {
  const folder = new Folder(files, onProgress);
  const bag = await checkBag(folder);
  const report = { urn: bag.infoValue("Case-URN"), exhibits: 0, signer: null, problems: [...bag.problems], notes: [] };
  const key = await checkSignature(folder, bag, pinned, report);
  const exhibits = await checkExhibits(folder, bag, report);
  report.log = await checkLog(folder, bag.coveredTagFiles(), key, report.signer, exhibits);
  report.problems.push(...report.log.problems);
  if (!report.log.present) report.notes.push(NO_LOG_NOTE);
  report.notes.push(...report.log.notes);
  report.valid = report.problems.length === 0;
  return report;
}

function summary(name, report) {
  let checked = "every digest, the signature and every custody chain";
  const log = report.log;
  if (log.present && log.checkpoint !== null) {
    const earlier = log.earlier.length ? ` and ${log.earlier.length} earlier checkpoint(s)` : "";
    checked =
      "every digest, the signature, every custody chain and the log proofs " +
      `(${log.eventsProven} event(s) in the signed checkpoint of size ${log.checkpoint.size}${earlier})`;
  }
  return `VALID: ${name}: case ${pyStr(report.urn)}, ${report.exhibits} exhibit(s), ${checked} check out; signer ${report.signer}`;
}

// webkitRelativePath is "<chosen folder>/<path inside it>". When the chosen folder holds the
// bundle one level down (the folder export wrote it into), verify that bundle.
function bundleFiles(fileList) {
  const all = [...fileList].map((f) => [f.webkitRelativePath || f.name, f]);
  const strip = (depth) => new Map(all.map(([p, f]) => [p.split("/").slice(depth).join("/"), f]));
  let files = strip(1);
  let name = all.length ? all[0][0].split("/")[0] : "";
  if (!files.has("bagit.txt")) {
    const inner = [...new Set(all.filter(([p]) => p.split("/")[2] === "bagit.txt").map(([p]) => p.split("/")[1]))];
    if (inner.length === 1) {
      name = `${name}/${inner[0]}`;
      files = new Map(all.filter(([p]) => p.split("/")[1] === inner[0]).map(([p, f]) => [p.split("/").slice(2).join("/"), f]));
    }
  }
  return { name, files };
}

function show(id, text) {
  document.getElementById(id).textContent = text;
}

function list(id, items) {
  const element = document.getElementById(id);
  element.replaceChildren(...items.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
}

let currentRun = 0;

async function onFolderChosen(event) {
  const run = ++currentRun;
  const { name, files } = bundleFiles(event.target.files);
  const verdict = document.getElementById("verdict");
  verdict.className = "";
  list("problems", []);
  list("notes", []);
  show("verdict", "Checking…");
  document.body.dataset.state = "checking";
  let last = 0;
  const progress = (file, done, total) => {
    const now = Date.now();
    if (run === currentRun && (now - last > 250 || done === total)) {
      last = now;
      show("status", `Hashing ${file}: ${Math.floor(done / 1048576)} of ${Math.ceil(total / 1048576)} MiB`);
    }
  };
  try {
    if (!files.has("bagit.txt")) throw new Error(`${name}: not a bundle (no bagit.txt); choose the bundle's own folder`);
    const pinnedFile = document.getElementById("pinned").files[0];
    const pinned = pinnedFile ? await loadPublicKey(await pinnedFile.text(), pinnedFile.name) : null;
    const report = await verifyFolder(files, pinned, progress);
    if (run !== currentRun) return;
    show("status", `${files.size} files read from ${name}.`);
    verdict.className = report.valid ? "valid" : "invalid";
    show("verdict", report.valid ? summary(name, report) : `INVALID: ${name}: ${report.problems.length} problem(s)`);
    list("problems", report.problems);
    list("notes", report.notes);
    document.body.dataset.state = report.valid ? "valid" : "invalid";
  } catch (exc) {
    if (run !== currentRun) return;
    verdict.className = "invalid";
    show("verdict", `Could not check the folder: ${exc.message}`);
    document.body.dataset.state = "error";
  }
}

function start() {
  show("library", `SHA-256 and SHA-512: @noble/hashes ${nobleHashes.version} (MIT), inside this page. Ed25519: this browser's Web Crypto.`);
  const input = document.getElementById("folder");
  input.addEventListener("change", onFolderChosen);
  document.getElementById("pinned").addEventListener("change", () => {
    if (input.files.length) onFolderChosen({ target: input });
  });
  document.body.dataset.state = "ready";
}

start();
