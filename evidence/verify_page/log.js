// The transparency-log material, checked as bundle_verifier.log, .checkpoint and .merkle
// check it: the signed checkpoint (a C2SP signed note), an RFC 6962 inclusion proof for
// every custody event and a consistency proof from every earlier checkpoint.

const LOG_DIR = "log";
const CHECKPOINT_FILE = "log/checkpoint.note";
const PROOFS_FILE = "log/proofs.json";
const ORIGIN_MARK = "/bwv-evidence/";
const SIGNATURE_PREFIX = "\u2014 ";

function b64decode(text) {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
const b64encode = (bytes) => btoa(String.fromCharCode(...bytes));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));
const allHashes = (...values) => values.every((v) => v instanceof Uint8Array && v.length === 32);
const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

function verifyInclusion(leaf, index, size, proof, root) {
  if (!(index >= 0 && index < size) || !allHashes(leaf, root, ...proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && same(r, root);
}

function isPowerOfTwo(n) {
  while (n > 1 && !odd(n)) n = half(n);
  return n === 1;
}

function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!(oldSize >= 0 && oldSize <= newSize) || !allHashes(oldRoot, newRoot, ...proof)) return false;
  if (oldSize === newSize) return !proof.length && same(oldRoot, newRoot);
  if (oldSize === 0) return !proof.length && same(oldRoot, sha256(new Uint8Array()));
  const path = [...proof];
  if (isPowerOfTwo(oldSize)) path.unshift(oldRoot);
  if (!path.length) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) { fn = half(fn); sn = half(sn); }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return same(fr, oldRoot) && same(sr, newRoot) && sn === 0;
}

const keyId = (name, key) => sha256(concat(utf8(name), Uint8Array.of(0x0a, 0x01), key.raw)).slice(0, 4);

async function openNote(note, name, key) {
  if (!note.endsWith("\n") || !note.includes("\n\n")) {
    throw new Error("not a signed note (no blank line before the signatures)");
  }
  const split = note.lastIndexOf("\n\n");
  const body = note.slice(0, split + 1);
  const expected = keyId(name, key);
  let namedOtherKeys = 0;
  for (const line of pySplitlines(note.slice(split + 2))) {
    const rest = line.slice(SIGNATURE_PREFIX.length);
    if (!line.startsWith(SIGNATURE_PREFIX) || !rest.includes(" ")) {
      throw new Error(`malformed signature line ${pyRepr(line)}`);
    }
    const signer = rest.slice(0, rest.lastIndexOf(" "));
    const blob = b64decode(rest.slice(rest.lastIndexOf(" ") + 1));
    if (blob === null) throw new Error(`signature line for ${signer}: not base64`);
    if (signer !== name) continue;
    if (blob.length !== 68 || !same(blob.slice(0, 4), expected)) {
      namedOtherKeys += 1;
      continue;
    }
    if (!(await signatureValid(key, utf8(body), blob.slice(4)))) {
      throw new Error(
        `the signature by ${name} does not match the note's text; the note was changed after it was signed`,
      );
    }
    return body;
  }
  if (namedOtherKeys) {
    throw new Error(
      `signed as ${name} but by another key (key id differs from ${hex(expected)}); ` +
        "it was not signed with this bundle's key",
    );
  }
  throw new Error(`carries no signature by ${name}`);
}

function parseCheckpoint(body) {
  const lines = body.split("\n");
  if (lines.length < 4) throw new Error("checkpoint body has fewer than three lines");
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new Error("checkpoint has an empty origin line");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error(`checkpoint tree size ${pyRepr(sizeText)} is not a decimal number`);
  const root = b64decode(rootText);
  if (root === null) throw new Error(`checkpoint root hash ${pyRepr(rootText)} is not base64`);
  if (root.length !== 32) throw new Error(`checkpoint root hash is ${root.length} bytes, not 32`);
  return { origin, size: Number(sizeText), root };
}

async function openCheckpointAt(folder, name, key, signer, result) {
  if (!isSafeRelative(name) || !name.startsWith(LOG_DIR + "/")) {
    result.problems.push(`${PROOFS_FILE}: names an unsafe checkpoint path ${pyRepr(name)}`);
    return null;
  }
  let note;
  try {
    note = await folder.text(name);
  } catch (exc) {
    result.problems.push(`${name}: missing or unreadable (${exc.message})`);
    return null;
  }
  const origin = note.split("\n")[0];
  if (signer !== null && !origin.endsWith(ORIGIN_MARK + signer.replace(/^SHA256:/, "").slice(0, 16))) {
    result.problems.push(`${name}: its origin ${pyRepr(origin)} does not name the bundle's signing key ${signer}`);
  }
  try {
    const checkpoint = parseCheckpoint(await openNote(note, origin, key));
    if (checkpoint.origin !== origin) {
      throw new Error(`checkpoint origin ${pyRepr(checkpoint.origin)} is not the signer's name ${pyRepr(origin)}`);
    }
    return checkpoint;
  } catch (exc) {
    result.problems.push(`${name}: ${exc.message}`);
    return null;
  }
}

function proofHashes(values) {
  if (!Array.isArray(values)) return null;
  const hashes = values.map(b64decode);
  return hashes.includes(null) ? null : hashes;
}

function eventKey(exhibit, seq) {
  const shown = isNumeric(seq) ? `n:${numberOf(seq)}` : typeof seq === "string" ? `s:${seq}` : `o:${pyRepr(seq)}`;
  return `${exhibit}\u0000${shown}`;
}

async function checkLog(folder, covered, key, signer, exhibits) {
  const files = folder.under(LOG_DIR + "/");
  const result = { present: files.length > 0, problems: [], checkpoint: null, eventsProven: 0, earlier: [], notes: [] };
  if (!result.present) return result;
  for (const name of files.sort(byParts)) {
    if (!covered.has(name)) {
      result.problems.push(`${name}: not covered by the tag manifests, so the bundle's signature does not vouch for it`);
    }
  }
  let proofs;
  try {
    proofs = await folder.json(PROOFS_FILE);
  } catch (exc) {
    result.problems.push(`${PROOFS_FILE}: missing or unreadable (${exc.message})`);
    return result;
  }
  if (!isMap(proofs)) {
    result.problems.push(`${PROOFS_FILE}: not a JSON object`);
    return result;
  }
  if (!pyEq(get(proofs, "format"), 1)) {
    result.problems.push(`${PROOFS_FILE}: format ${pyRepr(get(proofs, "format"))} is not 1`);
    return result;
  }
  if (key === null) {
    result.problems.push(`${CHECKPOINT_FILE}: cannot be checked without the public key`);
    return result;
  }
  const checkpoint = await openCheckpointAt(folder, pyStr(get(proofs, "checkpoint")), key, signer, result);
  if (checkpoint === null) return result;
  result.checkpoint = checkpoint;
  if (
    !pyEq(get(proofs, "origin"), checkpoint.origin) ||
    !pyEq(get(proofs, "tree_size"), checkpoint.size) ||
    !pyEq(get(proofs, "root"), b64encode(checkpoint.root))
  ) {
    result.problems.push(`${PROOFS_FILE}: its origin, tree size or root differ from ${CHECKPOINT_FILE}`);
  }
  checkEvents(proofs, checkpoint, exhibits, result);
  await checkEarlier(folder, proofs, checkpoint, key, signer, result);
  for (const token of files.filter((n) => n.endsWith(".tsr")).sort(byParts)) {
    if (!folder.isFile(token.replace(/\.tsr$/, ".note"))) {
      result.problems.push(`${token}: a time stamp with no note beside it`);
      continue;
    }
    try {
      const note = await folder.bytes(token.replace(/\.tsr$/, ".note"));
      const stamp = await verifyTimestamp(await folder.bytes(token), note);
      result.notes.push(
        `${token}: stamped ${stamp.time} by ${stamp.tsa}; that TSA's certificate was ` +
          "not checked against a trusted one (give it with --tsa-ca)",
      );
    } catch (exc) {
      result.problems.push(`${token}: ${exc.message}`);
    }
  }
  return result;
}

function checkEvents(proofs, checkpoint, exhibits, result) {
  const entries = get(proofs, "events");
  const byEvent = new Map();
  for (const entry of Array.isArray(entries) ? entries : []) {
    if (isMap(entry)) {
      const exhibit = pyStr(get(entry, "exhibit"));
      byEvent.set(eventKey(exhibit, get(entry, "seq")), { exhibit, seq: get(entry, "seq"), entry });
    }
  }
  for (const exhibit of exhibits) {
    for (const event of exhibit.events) {
      const name = `exhibit ${exhibit.ref}: custody event ${pyStr(get(event, "seq"))} (${pyStr(get(event, "action"))})`;
      const key = eventKey(exhibit.ref, get(event, "seq"));
      const found = byEvent.get(key);
      byEvent.delete(key);
      if (found === undefined) {
        result.problems.push(`${name}: has no inclusion proof in ${PROOFS_FILE}`);
        continue;
      }
      const proof = proofHashes(get(found.entry, "proof"));
      const index = get(found.entry, "leaf_index");
      if (proof === null || !isPyInt(index) || !pyEq(get(found.entry, "item_id"), exhibit.itemId)) {
        result.problems.push(`${name}: its entry in ${PROOFS_FILE} is malformed`);
        continue;
      }
      let leaf = null;
      try {
        leaf = leafHash(leafEntry("custody", event));
      } catch {
        leaf = null;
      }
      if (leaf === null || !verifyInclusion(leaf, numberOf(index), checkpoint.size, proof, checkpoint.root)) {
        result.problems.push(
          `${name}: the inclusion proof does not lead to the root of ${CHECKPOINT_FILE}; ` +
            "the log did not commit to this event as it reads here",
        );
        continue;
      }
      result.eventsProven += 1;
    }
  }
  const left = [...byEvent.values()].map((v) => [`(${pyRepr(v.exhibit)}, ${pyRepr(v.seq)})`, v]);
  for (const [, v] of left.sort((a, b) => byCodePoint(a[0], b[0]))) {
    result.problems.push(
      `${PROOFS_FILE}: proves custody event ${pyStr(v.seq)} of exhibit ${v.exhibit}, which no exhibit's custody.json holds`,
    );
  }
}

async function checkEarlier(folder, proofs, newest, key, signer, result) {
  const earlier = get(proofs, "earlier", []);
  for (const entry of Array.isArray(earlier) ? earlier : [null]) {
    if (!isMap(entry)) {
      result.problems.push(`${PROOFS_FILE}: an 'earlier' entry is malformed`);
      continue;
    }
    const name = pyStr(get(entry, "note"));
    const old = await openCheckpointAt(folder, name, key, signer, result);
    if (old === null) continue;
    const proof = proofHashes(get(entry, "consistency_proof"));
    if (!pyEq(get(entry, "size"), old.size) || proof === null) {
      result.problems.push(`${PROOFS_FILE}: the entry for ${name} is malformed`);
    } else if (old.origin !== newest.origin) {
      result.problems.push(`${name}: a checkpoint of another log (${old.origin})`);
    } else if (!verifyConsistency(old.size, newest.size, old.root, newest.root, proof)) {
      result.problems.push(
        `${name}: the consistency proof does not show that the log of size ${newest.size} ` +
          `extends this checkpoint of size ${old.size}; history was replaced, not appended to`,
      );
    } else {
      result.earlier.push(old.size);
    }
  }
}
