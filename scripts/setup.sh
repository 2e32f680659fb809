#!/usr/bin/env bash
# Install what this project needs on a fresh Debian machine: system tools (ffmpeg, espeak-ng,
# chromium for the browser tests) when missing, then a virtualenv with the package and its
# test dependencies, at the versions of requirements.lock. Safe to run again: it only installs
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

missing=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
if [ "${WITH_BROWSER:-1}" = 1 ] && ! command -v chromium >/dev/null; then
    missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp="$VENV/.installed"
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating virtualenv $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ requirements.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
    || [ verifier/pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing Python dependencies (first run takes a few minutes)" >&2
    # Every dependency at the version and hash of the lock (scripts/lock.sh updates it), then
    # this checkout's two distributions (the package and its offline bundle verifier) on top,
    # without letting them pull anything the lock did not pin.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
        -r requirements.lock
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
        -e ./verifier -e .
    touch "$stamp"
fi
# Byte-compile this checkout as an installed package would be (pip compiles what it installs;
# an editable checkout is compiled on first import, or never where PYTHONDONTWRITEBYTECODE is
# set), so no command pays for compiling the project's sources.
"$VENV/bin/python" -m compileall -q -j 0 entrypoints evidence flows storage verifier/bundle_verifier \
    >/dev/null
