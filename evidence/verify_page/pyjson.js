// JSON as the Python verifier sees it, so verify.html computes the same hashes and names
// values in the same words: integers stay integers (PyInt, any size) and floats stay floats
// (PyFloat), objects keep their key order (Map), and values print as Python's str()/repr().
// Canonical forms: format 1 is Python's json.dumps(sort_keys=True, separators=(",", ":"),
// ensure_ascii=False); format 2 is RFC 8785 as the Python package rfc8785 writes it.

class PyInt {
  constructor(big) { this.big = big; }
}
class PyFloat {
  constructor(value) { this.value = value; }
}

const INT_MAX = 2n ** 53n - 1n;

function parseJson(text) {
  let pos = 0;
  const fail = (what) => { throw new Error(`${what}: line ${text.slice(0, pos).split("\n").length} column ${pos - text.lastIndexOf("\n", pos - 1)} (char ${pos})`); };
  const space = () => { while (pos < text.length && " \t\n\r".includes(text[pos])) pos++; };
  const literal = (word, value) => {
    if (text.startsWith(word, pos)) { pos += word.length; return value; }
    return undefined;
  };
  function string() {
    pos++;
    let out = "";
    for (;;) {
      if (pos >= text.length) fail("Unterminated string starting at");
      const c = text[pos];
      if (c === '"') { pos++; return out; }
      if (c < " ") fail("Invalid control character at");
      if (c !== "\\") { out += c; pos++; continue; }
      const e = text[pos + 1];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) { out += simple[e]; pos += 2; continue; }
      if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
        pos += 6;
        continue;
      }
      fail("Invalid \\escape");
    }
  }
  function number() {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(pos));
    if (!m) fail("Expecting value");
    pos += m[0].length;
    if (m[2] === undefined && m[3] === undefined) return new PyInt(BigInt(m[0]));
    return new PyFloat(Number(m[0]));
  }
  function value() {
    space();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const map = new Map();
      space();
      if (text[pos] === "}") { pos++; return map; }
      for (;;) {
        space();
        if (text[pos] !== '"') fail("Expecting property name enclosed in double quotes");
        const key = string();
        space();
        if (text[pos] !== ":") fail("Expecting ':' delimiter");
        pos++;
        map.set(key, value());
        space();
        if (text[pos] === ",") { pos++; continue; }
        if (text[pos] === "}") { pos++; return map; }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === "[") {
      pos++;
      const list = [];
      space();
      if (text[pos] === "]") { pos++; return list; }
      for (;;) {
        list.push(value());
        space();
        if (text[pos] === ",") { pos++; continue; }
        if (text[pos] === "]") { pos++; return list; }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [["null", null], ["true", true], ["false", false], ["NaN", new PyFloat(NaN)],
      ["Infinity", new PyFloat(Infinity)], ["-Infinity", new PyFloat(-Infinity)]]) {
      const got = literal(word, v);
      if (got !== undefined) return got;
    }
    return number();
  }
  const result = value();
  space();
  if (pos !== text.length) fail("Extra data");
  return result;
}

const isMap = (v) => v instanceof Map;
const isNumeric = (v) => v instanceof PyInt || v instanceof PyFloat || typeof v === "boolean";
const isPyInt = (v) => v instanceof PyInt || typeof v === "boolean";
const numberOf = (v) => (v instanceof PyInt ? Number(v.big) : v instanceof PyFloat ? v.value : Number(v));
const get = (map, key, fallback = null) => (isMap(map) && map.has(key) ? map.get(key) : fallback);

function pyEq(a, b) {
  if (typeof a === "number") a = new PyInt(BigInt(a));
  if (typeof b === "number") b = new PyInt(BigInt(b));
  if (isNumeric(a) && isNumeric(b)) {
    if (isPyInt(a) && isPyInt(b)) {
      const big = (v) => (typeof v === "boolean" ? BigInt(v) : v.big);
      return big(a) === big(b);
    }
    return numberOf(a) === numberOf(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => pyEq(v, b[i]));
  if (isMap(a) && isMap(b)) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && pyEq(v, b.get(k)));
  }
  return a === b;
}

function pyFloatRepr(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const decpt = Number(exponent) + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = decpt - 1;
  const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${head}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

function pyStrRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0);
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}

function pyRepr(v) {
  if (typeof v === "string") return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (isMap(v)) return `{${[...v].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
  return pyStr(v);
}

function pyStr(v) {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (v instanceof PyInt) return v.big.toString();
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === "string") return v;
  return pyRepr(v);
}

function byCodePoint(a, b) {
  const x = [...a].map((c) => c.codePointAt(0));
  const y = [...b].map((c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
const byUtf16 = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function hasLoneSurrogate(s) {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

function pythonDumps(v) {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (v instanceof PyInt) return v.big.toString();
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.value)) return "NaN";
    if (!Number.isFinite(v.value)) return v.value > 0 ? "Infinity" : "-Infinity";
    return pyFloatRepr(v.value);
  }
  if (typeof v === "string") {
    if (hasLoneSurrogate(v)) throw new Error("'utf-8' codec can't encode a surrogate: surrogates not allowed");
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(pythonDumps).join(",")}]`;
  const keys = [...v.keys()].sort(byCodePoint);
  return `{${keys.map((k) => `${pythonDumps(k)}:${pythonDumps(v.get(k))}`).join(",")}}`;
}

function jcs(v) {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (v instanceof PyInt) {
    if (v.big > INT_MAX || v.big < -INT_MAX) throw new Error(`${v.big} exceeds safe integer domain for JSON floats`);
    return v.big.toString();
  }
  if (v instanceof PyFloat) {
    if (!Number.isFinite(v.value)) throw new Error(`${pyFloatRepr(v.value)} is not representable in JCS`);
    return String(v.value);
  }
  if (typeof v === "string") {
    if (hasLoneSurrogate(v)) throw new Error("input contains non-UTF-8 codepoints");
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(jcs).join(",")}]`;
  const keys = [...v.keys()].sort(byUtf16);
  return `{${keys.map((k) => `${jcs(k)}:${jcs(v.get(k))}`).join(",")}}`;
}

const utf8 = (s) => new TextEncoder().encode(s);
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = (bytes) => nobleHashes.sha256(bytes);

function canonicalBytes(value, format) {
  if (pyEq(format, 1)) return utf8(pythonDumps(value));
  if (pyEq(format, 2)) return utf8(jcs(value));
  throw new Error(`unknown canonical format ${pyRepr(format)}; this verifier knows (1, 2)`);
}

function eventHash(fields) {
  const hashed = new Map([...fields].filter(([k]) => k !== "hash"));
  return hex(sha256(canonicalBytes(hashed, get(fields, "format", new PyInt(1n)))));
}

function leafEntry(log, record) {
  return utf8(jcs(new Map([["log", log], ["event", record]])));
}
