"""Transparency-log services: what the CLI, the flows and bundle export call.

Each function takes the built ``Services`` (``storage.bootstrap.get_services()``); domain
errors pass through for the entrypoint to map.
"""

from __future__ import annotations

from typing import Any

from evidence.signing import signing_key
from evidence.tlog import Notary, StoredCheckpoint, TimeStamper, write_checkpoint
from evidence.tlog_check import LogReport, check_log
from evidence.tlog_proofs import check_checkpoints, item_proofs
from storage.bootstrap import Services
from storage.tlog_repository import TlogRepository
from storage.tsa import HttpTimeStamper


def log_source(services: Services) -> TlogRepository:
    return TlogRepository(services.engine)


def notary(services: Services) -> Notary:
    return Notary.for_installation(services.settings.organisation, signing_key(services.settings))


def stamper(services: Services) -> TimeStamper | None:
    """The RFC 3161 time-stamping authority, when ``EVIDENCE_TSA_URL`` names one."""
    url = services.settings.tsa_url
    return HttpTimeStamper(url) if url else None


def checkpoint(services: Services) -> StoredCheckpoint | None:
    """Sign and store a checkpoint of the log as it stands, unless nothing is new."""
    return write_checkpoint(
        log_source(services), services.store, notary(services), stamper(services)
    )


def verify_log(services: Services) -> LogReport:
    return check_log(log_source(services), services.store, notary(services))


def prove_item(services: Services, item_id: str) -> dict[str, Any]:
    item = services.repo.get_item(item_id)
    events = services.repo.custody(item.id)
    return item_proofs(log_source(services), services.store, notary(services), item.id, events)


def check_log_checkpoints(services: Services) -> dict[str, Any]:
    return check_checkpoints(log_source(services), services.store, notary(services))
