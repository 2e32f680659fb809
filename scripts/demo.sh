#!/usr/bin/env bash
# The main job on the embedded default (SQLite + local store under EVIDENCE_HOME):
# generate a sample dock, ingest and transcribe it, search it, link it to a case, and
# export and verify a CPS bundle. Every step is the real CLI a user would run.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
export PATH="$PWD/$VENV/bin:$PATH"
export EVIDENCE_HOME="${EVIDENCE_HOME:-$PWD/demo-home}"
export EVIDENCE_ORGANISATION="${EVIDENCE_ORGANISATION:-Demo Constabulary}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=WARNING
DOCK="${DOCK:-$PWD/demo-dock}"
BUNDLE="${BUNDLE:-$PWD/demo-bundle}"
URN="${URN:-01YZ1234524}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Generating a sample dock in $DOCK (a 999 call and two BWV clips, one incident)"
rm -rf "$DOCK" "$BUNDLE"
python -m entrypoints.sample_dock "$DOCK"

step "Ingesting (hash, store, verify, custody, transcribe)"
evidence ingest "$DOCK"

step "Items held"
evidence list

step "Searching what was said: \"kitchen door\""
evidence search '"kitchen door"'

step "Searching: knife"
evidence search knife

step "Creating case $URN (domestic abuse), auto-linking the incident's items"
evidence case show "$URN" >/dev/null 2>&1 ||
    evidence case create "$URN" --title "Assault at 14 Acacia Avenue" \
        --incident CAD-20261125-0417 --domestic-abuse
evidence case show "$URN"
evidence case timeline "$URN"

step "Exporting the CPS bundle into $BUNDLE"
BAG=$(evidence bundle export "$URN" "$BUNDLE" --json |
    python -c 'import json, sys; print(json.load(sys.stdin)["bundle"])')
echo "bundle: $BAG"
ls "$BAG" "$BAG/data"

step "Verifying the bundle as the CPS would (offline, bundle only)"
env -u EVIDENCE_HOME evidence bundle verify "$BAG"

step "Verifying every stored item and custody chain"
evidence verify --all

if [ -z "${PREFECT_API_URL:-}" ]; then
    step "Stopping the local Prefect server the ingest started (the next flow command starts it again)"
    evidence server stop
fi
