"""verify.html's JSON handling, run under node against the Python verifier's own: the canonical
bytes of formats 1 and 2 (floats, big integers, key order, escapes), and how values print in
problem texts (Python's str and repr)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from bundle_verifier.canonical import canonical_bytes
from evidence.verify_page import _read

DOCUMENTS = [
    '{"b": 1, "a": [1.0, 2.5, -0.0, 0.1, 1e16, 1e15, 1e-5, 0.0001, 123456789012345680.0]}',
    '{"x": [5e-324, 1.7976931348623157e308, 1E400, -1e-7, 1e21, 1e20, 3.0e-6, 100.0]}',
    '{"big": 123456789012345678901234567890, "neg": -0, "safe": 9007199254740991}',
    '{"\\ud83d\\ude00": 1, "\\uffff": 2, "\\u00e9": 3, "Z": 4, "a": 5, "": 6}',
    '{"s": "quote \\" slash \\\\ nl \\n tab \\t \\u0001 \\u001f \\u007f \\u2028 é 😀 /"}',
    '{"seq": 3, "action": "exported-to-cps", "details": {"bundle": "x", "n": null},'
    ' "flags": [true, false], "nested": {"b": {"d": 1, "c": 2}, "a": []}}',
    '{"nan": NaN, "inf": -Infinity}',
    '{"dup": 1, "dup": 2, "x": 0.30000000000000004}',
]
HARNESS = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const attempt = (f) => {
  try { return Buffer.from(f()).toString("hex"); } catch (e) { return null; }
};
const out = input.map((text) => {
  const value = parseJson(text);
  return {
    f1: attempt(() => canonicalBytes(value, new PyInt(1n))),
    f2: attempt(() => canonicalBytes(value, new PyInt(2n))),
    str: [...value.values()].map(pyStr),
  };
});
process.stdout.write(JSON.stringify(out));
"""


def _python(text: str) -> dict[str, object]:
    value = json.loads(text)

    def attempt(fmt: int) -> str | None:
        try:
            return canonical_bytes(value, fmt).hex()
        except ValueError:
            return None

    return {"f1": attempt(1), "f2": attempt(2), "str": [str(v) for v in value.values()]}


def test_the_page_computes_the_python_canonical_forms_and_texts() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = _read("noble-hashes.js") + _read("pyjson.js") + HARNESS
    result = subprocess.run(
        [node, "-e", script], input=json.dumps(DOCUMENTS), capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    for text, got in zip(DOCUMENTS, json.loads(result.stdout), strict=True):
        assert got == _python(text), text
