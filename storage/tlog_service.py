"""Kept only for ``flows/ingest.py`` (a checkpoint after each batch) and ``evidence verify
--all`` (``entrypoints/cli/items.py``), both edited on other branches this round: the use
cases live in ``evidence.services.log``. Switch those imports to it and delete this module."""

from __future__ import annotations

from evidence.services import log
from evidence.tlog import StoredCheckpoint
from evidence.tlog_check import LogReport
from storage.bootstrap import Services


def checkpoint(services: Services) -> StoredCheckpoint | None:
    return log.checkpoint(services.unit_of_work(), services.installation())


def verify_log(services: Services) -> LogReport:
    return log.verify_log(services.unit_of_work(), services.installation())
