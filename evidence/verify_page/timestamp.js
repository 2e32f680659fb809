// RFC 3161 time-stamp tokens over checkpoint notes, checked as bundle_verifier.timestamp
// checks them (a small DER reader, then the browser's Web Crypto for the TSA's signature).
// The page takes no trusted TSA certificates, so a good token is reported as a note saying
// the TSA itself was not checked, in the Python verifier's words.

const SEQUENCE = 0x30, SET = 0x31, INTEGER = 0x02, OCTET_STRING = 0x04, OID = 0x06, GENERALIZED_TIME = 0x18;
const SIGNED_DATA = "1.2.840.113549.1.7.2";
const TST_INFO = "1.2.840.113549.1.9.16.1.4";
const CONTENT_TYPE = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const TSA_DIGESTS = {
  "2.16.840.1.101.3.4.2.1": ["sha256", "SHA-256"],
  "2.16.840.1.101.3.4.2.2": ["sha384", "SHA-384"],
  "2.16.840.1.101.3.4.2.3": ["sha512", "SHA-512"],
};
const CURVES = { "1.2.840.10045.3.1.7": ["P-256", 32], "1.3.132.0.34": ["P-384", 48], "1.3.132.0.35": ["P-521", 66] };
const NAMES = { "2.5.4.3": "CN", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C",
  "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID" };

class DerError extends Error {}
class StampError extends Error {}

function derRead(data, pos = 0, limit = data.length) {
  if (pos + 2 > limit) throw new DerError("truncated value");
  const tag = data[pos];
  const first = data[pos + 1];
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used here");
  let start = pos + 2;
  let length = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new DerError("bad length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + data[start + i];
    start += count;
  }
  if (start + length > limit) throw new DerError("value runs past its container");
  const tlv = { data, tag, header: pos, start, end: start + length };
  tlv.content = data.subarray(start, start + length);
  tlv.encoded = data.subarray(pos, start + length);
  return tlv;
}

function derParse(data) {
  const top = derRead(data);
  if (top.end !== data.length) throw new DerError("trailing bytes after the value");
  return top;
}

function children(tlv) {
  const items = [];
  for (let pos = tlv.start; pos < tlv.end;) {
    const item = derRead(tlv.data, pos, tlv.end);
    items.push(item);
    pos = item.end;
  }
  return items;
}

function expect(tlv, tag, what) {
  if (tlv === undefined) throw new DerError(`${what}: missing`);
  if (tlv.tag !== tag) {
    const h = (n) => "0x" + n.toString(16).padStart(2, "0");
    throw new DerError(`${what}: expected tag ${h(tag)}, found ${h(tlv.tag)}`);
  }
  return tlv;
}

function onlyChild(tlv, what) {
  const items = children(tlv);
  if (items.length !== 1) throw new DerError(`${what}: expected one value inside, found ${items.length}`);
  return items[0];
}

function oidOf(tlv) {
  const raw = expect(tlv, OID, "object identifier").content;
  if (!raw.length) throw new DerError("empty object identifier");
  const arcs = [];
  let current = 0n;
  for (const byte of raw) {
    current = (current << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) { arcs.push(current); current = 0n; }
  }
  const first = arcs[0] / 40n < 2n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - 40n * first, ...arcs.slice(1)].join(".");
}

function integerOf(tlv) {
  const raw = expect(tlv, INTEGER, "integer").content;
  let value = 0n;
  for (const byte of raw) value = (value << 8n) | BigInt(byte);
  if (raw.length && raw[0] & 0x80) value -= 1n << BigInt(8 * raw.length);
  return value;
}

function stampDigest(algorithm, data) {
  const name = oidOf(children(expect(algorithm, SEQUENCE, "algorithm"))[0]);
  if (!(name in TSA_DIGESTS)) throw new StampError(`uses digest algorithm ${name}, which is not accepted`);
  const [label, webName] = TSA_DIGESTS[name];
  return [nobleHashes[label](data), webName];
}

function generalizedTime(raw) {
  const text = new TextDecoder("ascii").decode(raw);
  if (!text.endsWith("Z")) throw new StampError(`genTime ${pyRepr(text)} is not in UTC`);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) throw new Error(`time data ${pyRepr(text.slice(0, -1))} does not match format '%Y%m%d%H%M%S'`);
  const micro = Number((m[7] || "0").slice(0, 6).padEnd(6, "0"));
  return { ms: Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]), micro, parts: m.slice(1, 7) };
}

function certTime(tlv) {
  const text = new TextDecoder("ascii").decode(tlv.content);
  const full = tlv.tag === 0x17 ? (Number(text.slice(0, 2)) < 50 ? "20" : "19") + text : text;
  return generalizedTime(utf8(full));
}

const timeValue = (t) => t.ms * 1000 + t.micro;
const isoformat = (t) => {
  const [y, mo, d, h, mi, s] = t.parts;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${t.micro ? "." + String(t.micro).padStart(6, "0") : ""}+00:00`;
};

function rfc4514(name) {
  const escape = (value) =>
    value.replace(/[\\,+"<>;]/g, (c) => "\\" + c).replace(/^[# ]/, (c) => "\\" + c).replace(/ $/, "\\ ");
  const rdns = children(expect(name, SEQUENCE, "Name")).map((rdn) =>
    children(rdn).map((attribute) => {
      const [type, value] = children(attribute);
      const key = oidOf(type);
      if (!(key in NAMES)) return `${key}=#${hex(value.encoded)}`;
      return `${NAMES[key]}=${escape(new TextDecoder().decode(value.content))}`;
    }).join("+"));
  return rdns.reverse().join(",");
}

function parseCertificate(tlv) {
  const tbs = children(children(expect(tlv, SEQUENCE, "Certificate"))[0]);
  const fields = tbs[0].tag === 0xa0 ? tbs.slice(1) : tbs;
  const [serial, , , validity, subject, spki] = fields;
  const [notBefore, notAfter] = children(validity).map(certTime);
  const extensions = new Map();
  for (const extra of fields.slice(6)) {
    if (extra.tag !== 0xa3) continue;
    for (const extension of children(onlyChild(extra, "extensions"))) {
      const parts = children(extension);
      extensions.set(oidOf(parts[0]), parts[parts.length - 1].content);
    }
  }
  const algorithm = children(children(spki)[0]);
  return {
    serial: integerOf(serial), subject, notBefore, notAfter, spki: spki.encoded, extensions,
    keyType: oidOf(algorithm[0]), curve: algorithm[1] && algorithm[1].tag === OID ? oidOf(algorithm[1]) : null,
  };
}

function signerCertificate(sid, certificates) {
  if (!certificates.length) throw new StampError("the token carries no TSA certificate to check it with");
  const matching = sid.tag === SEQUENCE
    ? certificates.filter((c) => c.serial === integerOf(children(sid)[1]))
    : certificates.filter((c) => {
      const ski = c.extensions.get("2.5.29.14");
      return ski && same(derParse(ski).content, sid.content);
    });
  if (!matching.length) throw new StampError("the token does not carry the certificate that signed it");
  return matching[0];
}

function ecdsaRaw(signature, size) {
  const [r, s] = children(derParse(signature)).map((v) => {
    const bytes = v.content[0] === 0 ? v.content.subarray(1) : v.content;
    const out = new Uint8Array(size);
    out.set(bytes, size - bytes.length);
    return out;
  });
  return concat(r, s);
}

async function tsaSignatureValid(signer, signature, data, hashName) {
  let algorithm;
  let params;
  let raw = signature;
  if (signer.keyType === "1.2.840.113549.1.1.1") {
    algorithm = { name: "RSASSA-PKCS1-v1_5", hash: hashName };
    params = { name: "RSASSA-PKCS1-v1_5" };
  } else if (signer.keyType === "1.2.840.10045.2.1" && signer.curve in CURVES) {
    const [curve, size] = CURVES[signer.curve];
    algorithm = { name: "ECDSA", namedCurve: curve };
    params = { name: "ECDSA", hash: hashName };
    raw = ecdsaRaw(signature, size);
  } else if (signer.keyType === "1.3.101.112") {
    algorithm = params = { name: "Ed25519" };
  } else {
    throw new StampError("the TSA key type is not supported");
  }
  const key = await crypto.subtle.importKey("spki", signer.spki, algorithm, false, ["verify"]);
  return crypto.subtle.verify(params, key, raw, data);
}

async function verifyTimestamp(token, data) {
  try {
    return await checkToken(token, data);
  } catch (exc) {
    if (exc instanceof StampError) throw exc;
    throw new StampError(`not a readable RFC 3161 time-stamp response (${exc.message})`);
  }
}

async function checkToken(token, data) {
  const response = children(expect(derParse(token), SEQUENCE, "TimeStampResp"));
  const status = integerOf(children(expect(response[0], SEQUENCE, "PKIStatusInfo"))[0]);
  if ((status !== 0n && status !== 1n) || response.length < 2) {
    throw new StampError(`the TSA did not grant the time stamp (status ${status})`);
  }
  const contentInfo = children(expect(response[1], SEQUENCE, "ContentInfo"));
  if (oidOf(contentInfo[0]) !== SIGNED_DATA) throw new StampError("the token is not CMS SignedData");
  const signed = onlyChild(expect(contentInfo[1], 0xa0, "content"), "content");
  const parts = children(expect(signed, SEQUENCE, "SignedData"));
  const encap = children(expect(parts[2], SEQUENCE, "encapContentInfo"));
  if (oidOf(encap[0]) !== TST_INFO) throw new StampError("the token does not carry a TSTInfo");
  const tstDer = expect(onlyChild(expect(encap[1], 0xa0, "eContent"), "eContent"), OCTET_STRING, "");
  const tst = children(expect(derParse(tstDer.content), SEQUENCE, "TSTInfo"));
  const imprint = children(expect(tst[2], SEQUENCE, "messageImprint"));
  const [expected] = stampDigest(imprint[0], data);
  if (!same(expect(imprint[1], OCTET_STRING, "hashedMessage").content, expected)) {
    throw new StampError("it stamps other bytes than this note's (message imprint differs)");
  }
  const genTime = generalizedTime(expect(tst[4], GENERALIZED_TIME, "genTime").content);
  const certificates = parts.slice(3, -1).filter((p) => p.tag === 0xa0).flatMap(children).map(parseCertificate);
  const signerInfo = children(onlyChild(expect(parts[parts.length - 1], SET, "signerInfos"), "signerInfos"));
  const signer = signerCertificate(signerInfo[1], certificates);
  const attributes = expect(signerInfo[3], 0xa0, "signedAttrs");
  const [digest, hashName] = stampDigest(signerInfo[2], tstDer.content);
  const values = new Map();
  for (const attribute of children(attributes)) {
    const [kind, valueSet] = children(expect(attribute, SEQUENCE, "Attribute"));
    values.set(oidOf(kind), onlyChild(valueSet, "attribute value"));
  }
  if (oidOf(values.get(CONTENT_TYPE)) !== TST_INFO) throw new StampError("its signed content type is not TSTInfo");
  if (!same(expect(values.get(MESSAGE_DIGEST), OCTET_STRING, "messageDigest").content, digest)) {
    throw new StampError("its TSTInfo was changed after the TSA signed it");
  }
  const signedBytes = concat(Uint8Array.of(SET), attributes.encoded.subarray(1));
  const signature = expect(signerInfo[5], OCTET_STRING, "signature").content;
  if (!(await tsaSignatureValid(signer, signature, signedBytes, hashName))) {
    throw new StampError("the TSA's signature does not verify");
  }
  const usage = signer.extensions.get("2.5.29.37");
  const purposes = usage ? children(derParse(usage)).map(oidOf) : [];
  if (!purposes.includes("1.3.6.1.5.5.7.3.8")) throw new StampError("the signing certificate is not for time stamping");
  if (!(timeValue(signer.notBefore) <= timeValue(genTime) && timeValue(genTime) <= timeValue(signer.notAfter))) {
    throw new StampError("the TSA certificate was not valid at the stamped time");
  }
  return { time: isoformat(genTime), tsa: rfc4514(signer.subject) };
}
