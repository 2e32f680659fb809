"""The fakes keep the unit of work's promise: nothing survives without a commit."""

from __future__ import annotations

import pytest

from tests.unit.fakes import FakeUnitOfWork


def test_work_left_uncommitted_is_rolled_back() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.audit.record("ann", "investigator", "view-item", "item:1", "console:h")
    assert uow.audit.events() == []


def test_committed_work_stays_and_a_later_failure_does_not_undo_it() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(RuntimeError), uow:
        uow.audit.record("ann", "investigator", "view-item", "item:1", "console:h")
        uow.commit()
        uow.audit.record("ann", "investigator", "view-item", "item:2", "console:h")
        raise RuntimeError("crash after the commit")
    assert [e.target for e in uow.audit.events()] == ["item:1"]
