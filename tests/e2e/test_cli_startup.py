"""The interactive commands start light: no Prefect, speech model, web stack or Alembic.

Each command runs in a fresh process on a real EVIDENCE_HOME (an ingested recording, a case,
a database already migrated); the process then lists which of the heavy packages it loaded.
``benchmarks/startup.py`` measures what this buys; this test keeps it from creeping back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.custody import Actor
from evidence.ingest import IngestOptions
from storage.bootstrap import get_services, reset_services
from tests.fixtures.case_desk import create_case

URN = "01YZ1234524"
HEAVY = [
    "prefect",
    "faster_whisper",
    "ctranslate2",
    "numpy",
    "av",
    "fastapi",
    "starlette",
    "uvicorn",
    "argon2",
    "alembic",
    "minio",
]
# Runs one command in this process, then reports the heavy modules it imported.
PROBE = """
import sys
from entrypoints.cli.main import main
heavy = set(sys.argv[1].split(","))
try:
    main(sys.argv[2:])
    code = 0
except SystemExit as exc:
    code = exc.code
loaded = sorted({m.split(".")[0] for m in sys.modules} & heavy)
print("loaded: " + " ".join(loaded), file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture
def home_with_a_case(evidence_home: Path, tmp_path: Path) -> str:
    dock = tmp_path / "dock"
    dock.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
         str(dock / "call.wav")],
        check=True,
    )  # fmt: skip
    services = get_services()
    options = IngestOptions(kind="call", officer="PC4521", incident="CAD-1")
    outcome = services.ingestor().ingest(dock, "call.wav", None, options)
    assert outcome.status == "ingested" and outcome.id
    create_case(services, URN, Actor.current("PC4521"), incidents=["CAD-1"])
    reset_services()
    return outcome.id


def _run(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {**os.environ, "EVIDENCE_HOME": str(home), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    [report] = [line for line in done.stderr.splitlines() if line.startswith("loaded:")]
    return done, report.removeprefix("loaded:").split()


def test_reading_commands_import_no_heavy_package(
    evidence_home: Path, home_with_a_case: str
) -> None:
    item_id = home_with_a_case
    commands = {
        "--help": ("--help", "Evidence pipeline"),
        "show": ("show", item_id, item_id),
        "search": ("search", "hello", "0 hit(s)"),
        "case show": ("case", "show", URN, "Exhibits"),
    }
    for name, (*args, expected) in commands.items():
        done, loaded = _run(evidence_home, *args)
        assert done.returncode == 0, (name, done.stderr)
        assert expected in done.stdout, (name, done.stdout)
        assert loaded == [], f"evidence {name} imported {loaded}"
