"""Regenerate ``noble-hashes.js`` from the published ``@noble/hashes`` package.

Run by hand when upgrading, never at export: ``npm pack @noble/hashes@VERSION`` in a
temporary folder, then ``python vendor_noble.py noble-hashes-VERSION.tgz``; the tarball's
integrity (as ``npm view @noble/hashes@VERSION dist.integrity`` prints it) is recorded in
the header, so anyone can check the vendored code against the published package. The four ES modules
SHA-2 needs (utils, _u64, _md, sha2) are copied unchanged except that each becomes a function
scope: ``import {a} from "./x.js"`` reads from the module object built before it, ``export``
keywords are dropped and the exported names are returned. The result is one classic script,
so verify.html can inline it and work from file:// with no module loading.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import tarfile
import tempfile
from pathlib import Path

MODULES = ("utils", "_u64", "_md", "sha2")
TARGET = Path(__file__).with_name("noble-hashes.js")
IMPORT = re.compile(r'^import (\{[^}]*\}|\* as (\w+)) from "\./(\w+)\.js";$', re.MULTILINE)
EXPORT_DECL = re.compile(r"^export (async function|function|const|class) (\w+)", re.MULTILINE)
EXPORT_LIST = re.compile(r"^export (\{[^}]*\});$", re.MULTILINE)


def _module(name: str, text: str) -> str:
    exported = [m.group(2) for m in EXPORT_DECL.finditer(text)]
    listed = EXPORT_LIST.search(text)
    if listed:
        exported += [n.strip() for n in listed.group(1).strip("{}").split(",")]
    text = EXPORT_LIST.sub("", text)
    text = EXPORT_DECL.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)

    def imported(match: re.Match[str]) -> str:
        source = "__" + match.group(3).lstrip("_")
        if match.group(2):
            return f"const {match.group(2)} = {source};"
        return f"const {match.group(1)} = {source};"

    text = IMPORT.sub(imported, text)
    if re.search(r"^(import|export) ", text, re.MULTILINE):
        raise SystemExit(f"{name}.js: an import or export this script does not handle")
    text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    return (
        f"const __{name.lstrip('_')} = (() => {{\n{text.strip()}\n"
        f"return {{ {', '.join(exported)} }};\n}})();\n"
    )


def main(tarball: Path) -> None:
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    with tempfile.TemporaryDirectory() as folder, tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
        _write(Path(folder) / "package", integrity)


def _write(package: Path, integrity: str) -> None:
    meta = json.loads((package / "package.json").read_text())
    licence = (package / "LICENSE").read_text().strip()
    header = (
        f"/* {meta['name']} {meta['version']} (SHA-2 only), vendored by vendor_noble.py from\n"
        f"   the npm package {meta['name']}@{meta['version']}; {meta['description']}.\n"
        f"   Package tarball integrity: {integrity}\n\n"
        f"{licence}\n*/\n"
    )
    body = "".join(_module(name, (package / f"{name}.js").read_text()) for name in MODULES)
    exported = ", ".join(f"{name}: __sha2.{name}" for name in ("sha256", "sha384", "sha512"))
    footer = f"const nobleHashes = {{ version: {json.dumps(meta['version'])}, {exported} }};\n"
    TARGET.write_text(header + body + footer, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
