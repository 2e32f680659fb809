"""Transparency-log use cases: sign a checkpoint, prove an item's events, check the
checkpoints against each other, and check the whole database against the newest one.

The log's leaves are read through the unit of work (``uow.tlog``), in one transaction, so a
check sees the events and their leaves at one moment. The checkpoints themselves live in the
object store, signed with the installation's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence.ports import ObjectStore, UnitOfWork
from evidence.services.caller import Caller
from evidence.services.items import visible_item
from evidence.services.refusals import refusals_recorded
from evidence.tlog import Notary, StoredCheckpoint, TimeStamper, write_checkpoint
from evidence.tlog_check import LogReport, check_log
from evidence.tlog_proofs import check_checkpoints, item_proofs

if TYPE_CHECKING:
    from evidence.signing import SigningKey


@dataclass(frozen=True)
class Installation:
    """Where this installation's checkpoints are kept and who signs them: the object store,
    the signing key (the one that signs bundles), the organisation's name, and the RFC 3161
    time-stamping authority when ``EVIDENCE_TSA_URL`` names one."""

    store: ObjectStore
    key: SigningKey
    organisation: str
    stamper: TimeStamper | None = None

    @property
    def notary(self) -> Notary:
        return Notary.for_installation(self.organisation, self.key)


def checkpoint(uow: UnitOfWork, installation: Installation) -> StoredCheckpoint | None:
    """Sign the log as it stands and write the checkpoint to the store, unless nothing is
    new; None while the log is empty. Only committed leaves are signed: the unit of work
    reads them and writes nothing."""
    with uow:
        return write_checkpoint(
            uow.tlog, installation.store, installation.notary, installation.stamper
        )


def prove_item(
    uow: UnitOfWork, caller: Caller, installation: Installation, item_id: str
) -> dict[str, Any]:
    """Inclusion proofs of the item's custody events against the newest checkpoint."""
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
        events = uow.items.custody(item.id)
        return item_proofs(uow.tlog, installation.store, installation.notary, item.id, events)


def check_log_checkpoints(uow: UnitOfWork, installation: Installation) -> dict[str, Any]:
    """Every checkpoint's signature, and consistency between each consecutive pair."""
    with uow:
        return check_checkpoints(uow.tlog, installation.store, installation.notary)


def verify_log(uow: UnitOfWork, installation: Installation) -> LogReport:
    """The database against the newest checkpoint (part of ``evidence verify --all``)."""
    with uow:
        return check_log(uow.tlog, installation.store, installation.notary)
