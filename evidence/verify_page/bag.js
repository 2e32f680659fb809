// The bag, checked as bundle_verifier.bagit checks it: every payload and tag digest (each file
// read once, in pieces, for both SHA-256 and SHA-512), completeness and Payload-Oxum, with
// the same problem texts in the same order. The folder is a map from each file's path
// inside the bundle to the browser's File for it.

const ALGORITHMS = ["sha256", "sha512"];
const REQUIRED_TAG_FILES = ["bagit.txt", "bag-info.txt", ...ALGORITHMS.map((a) => `manifest-${a}.txt`)];

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

