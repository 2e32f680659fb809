// The bag, its signature and the custody chains, checked as bundle_verifier.bagit, .bundle
// and .chain check them, with the same problem texts in the same order. The folder is a map
// from each file's path inside the bundle to the browser's File for it.

const ALGORITHMS = ["sha256", "sha512"];
const REQUIRED_TAG_FILES = ["bagit.txt", "bag-info.txt", ...ALGORITHMS.map((a) => `manifest-${a}.txt`)];
const EXPORT_ACTION = "exported-to-cps";
const PUBLIC_KEY_FILE = "signing-key.pub.pem";
const EXHIBITS_FILE = "data/exhibits.json";
const GENESIS = "0".repeat(64);
const ED25519_SPKI = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function pySplitlines(text) {
  const lines = text.split(/\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const normalise = (name) => name.split("/").filter((p) => p !== "" && p !== ".").join("/");

function isSafeRelative(path) {
  return Boolean(path) && !path.startsWith("/") && !path.split("/").includes("..") && !path.includes("\\");
}

const byParts = (a, b) => {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return byCodePoint(x[i], y[i]);
  return x.length - y.length;
};

class Folder {
  constructor(files, onProgress) {
    this.files = files;
    this.digests = new Map();
    this.onProgress = onProgress || (() => {});
  }
  isFile(name) { return this.files.has(normalise(name)); }
  under(prefix) { return [...this.files.keys()].filter((n) => n.startsWith(prefix)); }
  async bytes(name) {
    const file = this.files.get(normalise(name));
    if (!file) throw new Error(`No such file in the chosen folder: '${name}'`);
    return new Uint8Array(await file.arrayBuffer());
  }
  async text(name, replace = false) {
    const decoded = new TextDecoder("utf-8", { fatal: !replace }).decode(await this.bytes(name));
    return decoded.replace(/\r\n?/g, "\n");
  }
  async json(name) { return parseJson(await this.text(name)); }
  async digest(name) {
    const key = normalise(name);
    if (!this.digests.has(key)) this.digests.set(key, this.hashStream(this.files.get(key), key));
    return this.digests.get(key);
  }
  async hashStream(file, name) {
    const hashers = { sha256: nobleHashes.sha256.create(), sha512: nobleHashes.sha512.create() };
    const reader = file.stream().getReader();
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      hashers.sha256.update(value);
      hashers.sha512.update(value);
      this.onProgress(name, size, file.size);
    }
    return { size, sha256: hex(hashers.sha256.digest()), sha512: hex(hashers.sha512.digest()) };
  }
}

class BagCheck {
  constructor(folder) {
    this.folder = folder;
    this.problems = [];
    this.info = new Map();
    this.payload = new Map();
    this.tags = new Map();
  }
  infoValue(label) {
    const values = this.info.get(label.toLowerCase());
    return values && values.length ? values[0] : null;
  }
  coveredTagFiles() {
    if (this.tags.size !== ALGORITHMS.length) return new Set();
    const [first, ...rest] = [...this.tags.values()];
    return new Set([...first.keys()].filter((n) => rest.every((m) => m.has(n))));
  }
}

async function readManifest(folder, name, check) {
  const entries = new Map();
  let text;
  try {
    text = await folder.text(name);
  } catch (exc) {
    check.problems.push(`${name}: cannot be read (${exc.message})`);
    return entries;
  }
  pySplitlines(text).forEach((line, index) => {
    if (!line.trim()) return;
    const space = line.indexOf(" ");
    const digest = space < 0 ? line : line.slice(0, space);
    let path = space < 0 ? "" : line.slice(space + 1).replace(/^[ *]+/, "");
    path = path.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%");
    if (!digest || !path) {
      check.problems.push(`${name} line ${index + 1}: not '<digest> <path>'`);
      return;
    }
    entries.set(path, digest.toLowerCase());
  });
  return entries;
}

async function readBagInfo(folder, check) {
  let text;
  try {
    text = await folder.text("bag-info.txt");
  } catch (exc) {
    check.problems.push(`bag-info.txt: cannot be read (${exc.message})`);
    return;
  }
  let label = "";
  for (const line of pySplitlines(text)) {
    if ((line[0] === " " || line[0] === "\t") && label) {
      const values = check.info.get(label);
      values[values.length - 1] += " " + line.trim();
    } else if (line.includes(":")) {
      const colon = line.indexOf(":");
      label = line.slice(0, colon).trim().toLowerCase();
      if (!check.info.has(label)) check.info.set(label, []);
      check.info.get(label).push(line.slice(colon + 1).trim());
    }
  }
}

async function hashListed(folder, name, check) {
  if (!isSafeRelative(name)) {
    check.problems.push(`manifest names an unsafe path: ${pyRepr(name)}`);
    return null;
  }
  if (!folder.isFile(name)) {
    check.problems.push(`${name}: listed in the manifests but missing from the bag`);
    return null;
  }
  return folder.digest(name);
}

async function checkBag(folder) {
  const check = new BagCheck(folder);
  for (const name of REQUIRED_TAG_FILES) {
    if (!folder.isFile(name)) check.problems.push(`${name}: missing from the bag`);
  }
  if (folder.isFile("bagit.txt") && !(await folder.text("bagit.txt", true)).includes("BagIt-Version:")) {
    check.problems.push("bagit.txt: does not declare a BagIt-Version");
  }
  await readBagInfo(folder, check);
  await checkPayload(check);
  await checkTags(check);
  const oxum = check.infoValue("Payload-Oxum");
  const total = [...check.payload.values()].reduce((sum, d) => sum + d.size, 0);
  if (oxum === null) check.problems.push("bag-info.txt: no Payload-Oxum");
  else if (oxum !== `${total}.${check.payload.size}`) {
    check.problems.push(
      `bag-info.txt: Payload-Oxum ${oxum} but the payload holds ${total} bytes in ${check.payload.size} files`,
    );
  }
  return check;
}

async function checkPayload(check) {
  const folder = check.folder;
  const manifests = new Map();
  for (const algorithm of ALGORITHMS) {
    const name = `manifest-${algorithm}.txt`;
    if (folder.isFile(name)) manifests.set(algorithm, await readManifest(folder, name, check));
  }
  const listed = [...new Set([...manifests.values()].flatMap((m) => [...m.keys()]))].sort(byCodePoint);
  for (const name of listed) {
    if (!name.startsWith("data/")) {
      check.problems.push(`${name}: payload manifest names a file outside data/`);
      continue;
    }
    const digest = await hashListed(folder, name, check);
    if (digest === null) continue;
    check.payload.set(name, digest);
    for (const [algorithm, entries] of manifests) {
      if (!entries.has(name)) check.problems.push(`${name}: not listed in manifest-${algorithm}.txt`);
      else if (entries.get(name) !== digest[algorithm]) {
        check.problems.push(
          `${name}: ${algorithm.toUpperCase()} does not match manifest-${algorithm}.txt; ` +
            "the file was changed after the bundle was made",
        );
      }
    }
  }
  const listedSet = new Set(listed);
  for (const name of folder.under("data/").filter((n) => !listedSet.has(n)).sort(byCodePoint)) {
    check.problems.push(`${name}: in data/ but in no payload manifest (added after the bundle was made)`);
  }
}

async function checkTags(check) {
  for (const algorithm of ALGORITHMS) {
    const manifest = `tagmanifest-${algorithm}.txt`;
    if (!check.folder.isFile(manifest)) {
      check.problems.push(`${manifest}: missing from the bag`);
      continue;
    }
    const entries = await readManifest(check.folder, manifest, check);
    check.tags.set(algorithm, entries);
    for (const required of REQUIRED_TAG_FILES) {
      if (!entries.has(required)) check.problems.push(`${manifest}: does not cover ${required}`);
    }
    for (const name of [...entries.keys()].sort(byCodePoint)) {
      const digest = await hashListed(check.folder, name, check);
      if (digest !== null && digest[algorithm] !== entries.get(name)) {
        check.problems.push(
          `${name}: ${algorithm.toUpperCase()} does not match ${manifest}; ` +
            "the tag file was changed after the bundle was made",
        );
      }
    }
  }
}

async function loadPublicKey(pem, label) {
  const match = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem);
  let der;
  try {
    if (!match) throw new Error("no PEM public key block");
    der = Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch (exc) {
    throw new Error(`${label}: not a PEM public key (${exc.message})`);
  }
  if (der.length !== 44 || !ED25519_SPKI.every((b, i) => der[i] === b)) {
    throw new Error(`${label}: not an Ed25519 public key`);
  }
  let key;
  try {
    key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, true, ["verify"]);
  } catch (exc) {
    throw new Error(`${label}: this browser cannot check Ed25519 signatures (${exc.message}); use bundle-verify`);
  }
  return { key, raw: der.slice(12) };
}

async function signatureValid(key, data, signature) {
  if (signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify({ name: "Ed25519" }, key.key, signature, data);
  } catch {
    return false;
  }
}

const fingerprint = (key) => "SHA256:" + hex(sha256(key.raw));

async function checkSignature(folder, bag, pinned, report) {
  let bundled = null;
  if (!folder.isFile(PUBLIC_KEY_FILE)) {
    report.problems.push(`${PUBLIC_KEY_FILE}: missing; the signer cannot be identified`);
  } else {
    try {
      bundled = await loadPublicKey(new TextDecoder().decode(await folder.bytes(PUBLIC_KEY_FILE)), PUBLIC_KEY_FILE);
    } catch (exc) {
      report.problems.push(exc.message);
    }
  }
  if (bundled !== null) {
    report.signer = fingerprint(bundled);
    if (bag.infoValue("Signing-Key-Fingerprint") !== report.signer) {
      report.problems.push("bag-info.txt: Signing-Key-Fingerprint does not match the bundled public key");
    }
    if (pinned !== null && fingerprint(pinned) !== report.signer) {
      report.problems.push(
        `${PUBLIC_KEY_FILE}: the bundle names key ${report.signer}, not the pinned key ` +
          `${fingerprint(pinned)}; it was not signed by the expected organisation`,
      );
    }
  }
  const key = pinned || bundled;
  if (key === null) return null;
  for (const algorithm of ALGORITHMS) {
    const manifest = `tagmanifest-${algorithm}.txt`;
    const signature = `${manifest}.sig`;
    if (!folder.isFile(manifest) || !folder.isFile(signature)) {
      report.problems.push(`${signature}: missing; the bundle is not signed`);
      continue;
    }
    if (!(await signatureValid(key, await folder.bytes(manifest), await folder.bytes(signature)))) {
      report.problems.push(
        `${signature}: the signature does not match ${manifest}; the bag was ` +
          "changed after it was signed (manifests recomputed or a tag file edited)",
      );
    }
  }
  return key;
}

function verifyChain(records, expectedHead) {
  const problems = [];
  let previous = GENESIS;
  records.forEach((fields, index) => {
    const position = index + 1;
    const name = `event ${position} (${pyStr(get(fields, "action", "?"))})`;
    if (!pyEq(get(fields, "seq"), position)) {
      problems.push(`${name}: sequence number ${pyStr(get(fields, "seq"))} where ${position} belongs`);
    }
    if (!pyEq(get(fields, "prev_hash"), previous)) {
      problems.push(`${name}: does not follow the event before it (previous hash differs)`);
    }
    let computed = null;
    try {
      computed = eventHash(fields);
    } catch (exc) {
      problems.push(`${name}: its canonical form cannot be computed (${exc.message})`);
    }
    if (computed !== null && !pyEq(computed, get(fields, "hash"))) {
      problems.push(`${name}: its content was changed after it was recorded`);
    }
    previous = pyStr(get(fields, "hash"));
  });
  if (!records.length) problems.push("the custody log is empty");
  else if (expectedHead !== null && !pyEq(previous, expectedHead)) {
    const head = pyStr(expectedHead);
    problems.push(
      `the log ends at ${previous.slice(0, 12)}…, not at the recorded head ` +
        `${head.slice(0, 12)}…: events are missing from the end`,
    );
  }
  return problems;
}

async function checkExhibits(folder, bag, report) {
  let listing;
  let exhibits;
  try {
    listing = await folder.json(EXHIBITS_FILE);
    const value = get(listing, "exhibits", undefined);
    if (value === undefined) throw new Error(isMap(listing) ? "'exhibits'" : "not a JSON object");
    if (Array.isArray(value)) exhibits = value;
    else if (isMap(value)) exhibits = [...value.keys()];
    else if (typeof value === "string") exhibits = [...value];
    else throw new Error(`'${pyStr(value)}' object is not iterable`);
  } catch (exc) {
    report.problems.push(`${EXHIBITS_FILE}: missing or unreadable (${exc.message})`);
    return [];
  }
  report.exhibits = exhibits.length;
  const declared = bag.infoValue("Exhibit-Count");
  if (declared !== String(exhibits.length)) {
    report.problems.push(`bag-info.txt: Exhibit-Count ${pyStr(declared)} but ${EXHIBITS_FILE} lists ${exhibits.length}`);
  }
  if (!pyEq(get(listing, "urn"), report.urn)) {
    report.problems.push(`${EXHIBITS_FILE}: URN ${pyStr(get(listing, "urn"))} differs from bag-info.txt ${pyStr(report.urn)}`);
  }
  const bundleId = bag.infoValue("Bundle-Identifier");
  const logs = [];
  for (const entry of exhibits) {
    const log = await checkExhibit(folder, bag, entry, bundleId, report);
    if (log !== null) logs.push(log);
  }
  return logs;
}

async function checkExhibit(folder, bag, entry, bundleId, report) {
  if (!isMap(entry)) {
    report.problems.push(`${EXHIBITS_FILE}: an exhibit entry is not an object`);
    return null;
  }
  const ref = pyStr(get(entry, "exhibit_ref", "?"));
  const media = bag.payload.get(pyStr(get(entry, "media"))) || null;
  if (media === null) report.problems.push(`exhibit ${ref}: media file ${pyStr(get(entry, "media"))} is missing`);
  else if (!pyEq(media.sha256, get(entry, "sha256"))) {
    report.problems.push(`exhibit ${ref}: media SHA-256 ${media.sha256} is not the recorded ${pyStr(get(entry, "sha256"))}`);
  }
  const custodyPath = pyStr(get(entry, "custody"));
  let events;
  try {
    events = await folder.json(custodyPath);
    if (!Array.isArray(events) || !events.every(isMap)) throw new Error("not a list of events");
  } catch (exc) {
    report.problems.push(`exhibit ${ref}: custody log ${custodyPath} unreadable (${exc.message})`);
    return null;
  }
  for (const problem of verifyChain(events, get(entry, "custody_head"))) {
    report.problems.push(`exhibit ${ref}: custody log ${custodyPath}: ${problem}`);
  }
  for (const event of events) {
    if (!pyEq(get(event, "sha256"), get(entry, "sha256"))) {
      report.problems.push(`exhibit ${ref}: custody log event ${pyStr(get(event, "seq"))} names another digest`);
    }
  }
  const last = events.length ? events[events.length - 1] : new Map();
  const details = isMap(get(last, "details")) ? get(last, "details") : new Map();
  if (!pyEq(get(last, "action"), EXPORT_ACTION) || !pyEq(get(details, "bundle"), bundleId)) {
    report.problems.push(
      `exhibit ${ref}: custody log ${custodyPath} does not end with the export into this bundle (${pyStr(bundleId)})`,
    );
  }
  return { ref, itemId: pyStr(get(entry, "item_id")), events };
}
