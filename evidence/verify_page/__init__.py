"""``verify.html``, the page every bundle carries so it can be checked with a browser alone.

The page is assembled from the files beside this module: ``page.html`` with ``page.css``
and one inline script made of the vendored ``noble-hashes.js`` (SHA-2, MIT licence kept)
followed by ``pyjson.js``, ``bag.js``, ``bundle.js``, ``log.js``, ``timestamp.js`` and
``main.js``. Everything is inline because a page opened from file:// cannot load scripts
beside it; its Content-Security-Policy allows exactly that script and style by hash and
nothing else (no network, no handlers).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources

SCRIPTS = (
    "noble-hashes.js", "pyjson.js", "bag.js", "bundle.js", "log.js", "timestamp.js", "main.js",
)  # fmt: skip
PAGE_NAME = "verify.html"


def _read(name: str) -> str:
    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@cache
def verify_html() -> bytes:
    parts = [f"// ---- {name} ----\n{_read(name)}" for name in SCRIPTS]
    script = '"use strict";\n(() => {\n' + "\n".join(parts) + "\n})();\n"
    if "</script" in script.lower():
        raise ValueError("a verify.html script contains '</script'; it cannot be inlined")
    style = _read("page.css")
    page = _read("page.html")
    for field, value in (
        ("{script_hash}", _csp_hash(script)),
        ("{style_hash}", _csp_hash(style)),
        ("{style}", style),
        ("{script}", script),
    ):
        page = page.replace(field, value, 1)
    return page.encode("utf-8")
