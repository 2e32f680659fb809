#!/usr/bin/env bash
# Update the locks: requirements.lock (set-up script, CI: package + test extras + verifier)
# and requirements-runtime.lock (the image: no test extras, the same versions). Every pin
# carries the hashes of all the files pip may pick for it. Run after changing dependencies in
# pyproject.toml or verifier/pyproject.toml; pass --upgrade (or --upgrade-package NAME) to move
# pins forward. pip-tools runs from a virtualenv of its own, .lock-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=.lock-tools
if [ ! -x "$TOOLS/bin/pip-compile" ]; then
    "${PYTHON:-python3}" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check "pip-tools>=7.4,<8"
fi
compile() {
    "$TOOLS/bin/pip-compile" --quiet --generate-hashes --strip-extras --no-emit-index-url \
        --no-emit-find-links --unsafe-package bwv-evidence --unsafe-package bwv-bundle-verifier \
        "$@"
}
compile "$@" --output-file requirements.lock requirements.in
compile --output-file requirements-runtime.lock requirements-runtime.in
