"""The inbox watcher: one pass over the S3 inbox, ingesting every dock that is complete.

Deploy it on a schedule (``flows/inbox.py:watch_inbox``); several runs may overlap, on one
worker or many, because each dock is claimed in the database by one of them only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from evidence.inbox_service import InboxWatcher, Outcomes
from evidence.leases import runner_name
from flows.ingest import ingest_dock
from storage.bootstrap import Services, get_services
from storage.s3_inbox import S3Inbox


def inbox_watcher(services: Services, role: str = "inbox-watcher") -> InboxWatcher:
    settings = services.settings
    source = S3Inbox.from_settings(settings)
    return InboxWatcher(
        source=source,
        ledger=services.inbox_docks(source.url),
        staging=settings.resolved_home / "inbox",
        owner=runner_name(role),
        lease_seconds=settings.job_lease_seconds,
    )


def _ingest(folder: Path, batch: str) -> Outcomes:
    outcomes: Outcomes = ingest_dock(root=str(folder), batch=batch)
    return outcomes


@flow(name="watch-inbox", log_prints=False)
def watch_inbox() -> dict[str, Any]:
    """Ingest each complete dock in EVIDENCE_INBOX_URL once; report what waits and why."""
    return inbox_watcher(get_services()).run_pass(_ingest).as_dict()
