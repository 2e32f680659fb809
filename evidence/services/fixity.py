"""Fixity checks: re-read an item's stored bytes, re-hash them, verify its custody chain and
committed details, and record the check (passed or failed) in its custody log.

The bytes are hashed outside any transaction (a large recording takes a while, and on SQLite
a transaction would keep every writer waiting); the item and its log are then read at one
moment and the check's event appended in one unit of work. A log whose tail was cut refuses
the event (the unit of work records the break in the audit trail instead); the check then
reports that too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidence.errors import CustodyBroken
from evidence.fixity import FixityCheck, check_action, log_problems, stored_problems
from evidence.model import EvidenceItem
from evidence.ports import ObjectStore, UnitOfWork
from evidence.services.caller import Caller
from evidence.services.items import visible_item
from evidence.services.refusals import refusals_recorded


@dataclass(frozen=True)
class ItemCheck:
    """One item's check: what was found wrong (``problems``) and what could not be checked."""

    item: EvidenceItem
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "sha256": self.item.sha256,
            "problems": self.problems,
            "notes": self.notes,
        }


def check_item(uow: UnitOfWork, caller: Caller, store: ObjectStore, item_id: str) -> ItemCheck:
    """Check one item (an id or a unique prefix) and record the check in its custody log."""
    with uow, refusals_recorded(uow, caller):
        item = visible_item(uow, caller, item_id)
    check = FixityCheck(problems=stored_problems(store, item))
    try:
        with uow:
            found = log_problems(*uow.items.custody_snapshot(item.id))
            check.problems.extend(found.problems)
            check.notes.extend(found.notes)
            details = {"problems": check.problems, "store": store.url}
            uow.items.append_event(item.id, check_action(check), caller.actor, details)
            uow.commit()
    except CustodyBroken as exc:
        check.problems.append(f"custody log: {exc}")
    return ItemCheck(item, check.problems, check.notes)


def item_ids(uow: UnitOfWork) -> list[str]:
    """Every item's id, oldest first: what a full audit checks."""
    with uow:
        return [item.id for item in uow.items.iter_items()]


def check_all(uow: UnitOfWork, caller: Caller, store: ObjectStore) -> list[ItemCheck]:
    """Check every item, one after the other (the scheduled audit runs them in parallel)."""
    return [check_item(uow, caller, store, item_id) for item_id in item_ids(uow)]
