"""The console is a principal too: its reads are in the audit trail, and a console narrowed
to an officer (EVIDENCE_CONSOLE_ROLE=officer, --officer) sees that officer's items only."""

from __future__ import annotations

import getpass
import socket
import subprocess
from pathlib import Path

import pytest

from evidence.audit import AuditEvent, verify_audit
from evidence.ingest import IngestOptions
from storage.bootstrap import get_services, reset_services
from tests.fixtures.cli import Cli

# No command here runs a flow: a Prefect URL nothing listens on proves it.
NO_PREFECT = "http://127.0.0.1:9/api"


@pytest.fixture
def two_officers_items(evidence_home: Path, tmp_path: Path) -> dict[str, str]:
    dock = tmp_path / "dock"
    dock.mkdir()
    ids = {}
    for n, officer in enumerate(("PC4521", "PC3310")):
        name = f"call{n}.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
             f"sine=frequency={440 + 100 * n}:duration=1", str(dock / name)],
            check=True,
        )  # fmt: skip
        outcome = (
            get_services()
            .ingestor()
            .ingest(dock, name, None, IngestOptions(kind="call", officer=officer))
        )
        assert outcome.status == "ingested" and outcome.id
        ids[officer] = outcome.id
    reset_services()
    return ids


def trail() -> list[AuditEvent]:
    reset_services()
    with get_services().unit_of_work() as uow:
        return uow.audit.events()


def test_console_reads_are_audited_and_an_officers_console_is_kept_to_their_items(
    evidence_home: Path, two_officers_items: dict[str, str]
) -> None:
    own, other = two_officers_items["PC4521"], two_officers_items["PC3310"]
    host = socket.gethostname()
    console = Cli(evidence_home, NO_PREFECT, {})
    shown = console("show", own, "--json")
    assert shown.returncode == 0, shown.stderr
    [viewed] = [e for e in trail() if e.action == "view-item"]
    assert (viewed.target, viewed.role, viewed.address) == (
        f"item:{own}",
        "console",
        f"console:{host}",
    )
    assert viewed.actor == getpass.getuser()

    officer = Cli(evidence_home, NO_PREFECT, {"EVIDENCE_CONSOLE_ROLE": "officer"})
    refused = officer("show", other, "--officer", "PC4521")
    assert refused.returncode == 5, refused.stderr
    assert "not available to PC4521" in refused.stderr
    [refusal] = [e for e in trail() if e.action == "access-refused"]
    assert (refusal.actor, refusal.role, refusal.target) == ("PC4521", "officer", f"item:{other}")
    assert refusal.address == f"console:{host}" and refusal.details["command"] == "show"

    listed = officer("list", "--officer", "PC4521", "--json")
    assert [item["id"] for item in listed.json()] == [own]
    assert officer("custody", own, "--officer", "PC4521", "--json").returncode == 0
    assert officer("custody", other, "--officer", "PC4521").returncode == 5
    events = trail()
    assert [(e.actor, e.action) for e in events][-3:] == [
        ("PC4521", "list-items"),
        ("PC4521", "view-custody"),
        ("PC4521", "access-refused"),
    ]
    assert verify_audit(events) == []
