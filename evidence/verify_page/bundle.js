// The signature and the custody chains, checked as bundle_verifier.bundle, .keys and .chain
// check them, with the same problem texts in the same order.

const EXPORT_ACTION = "exported-to-cps";
const PUBLIC_KEY_FILE = "signing-key.pub.pem";
const EXHIBITS_FILE = "data/exhibits.json";
const GENESIS = "0".repeat(64);
const ED25519_SPKI = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

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
