"""The inbox ledger on SQLAlchemy: one row per dock, claimed by a conditional update.

``claim`` is a single ``UPDATE ... WHERE`` naming the states a dock may be taken from, so two
watchers racing for one dock cannot both succeed: PostgreSQL re-checks the condition on the
row once the first update commits, and SQLite runs the two one after the other (its
transactions take the write lock at BEGIN, see ``storage.database``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from evidence.inbox import DockFile, DockState, InboxDock, Readiness
from evidence.leases import stale_before
from evidence.model import utcnow
from storage.inbox_tables import InboxDockRow

UNCLAIMED = (DockState.WAITING.value, DockState.INVALID.value)


def _dock(row: InboxDockRow) -> InboxDock:
    return InboxDock(
        id=row.id,
        inbox=row.inbox,
        dock=row.dock,
        status=DockState(row.status),
        fingerprint=row.fingerprint,
        problems=list(row.problems),
        files=[DockFile.from_dict(f) for f in row.files or []],
        claimed_by=row.claimed_by,
        attempts=row.attempts,
        first_seen_at=row.first_seen_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        report=row.report,
        reason=row.reason,
    )


class InboxDocks:
    def __init__(self, engine: Engine, inbox: str, lease_seconds: int) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.inbox = inbox
        self.lease_seconds = lease_seconds

    def known(self) -> dict[str, InboxDock]:
        query = select(InboxDockRow).where(InboxDockRow.inbox == self.inbox)
        with self.sessions() as session:
            return {row.dock: _dock(row) for row in session.scalars(query)}

    def listed(self, status: DockState | None = None) -> list[InboxDock]:
        """Every dock recorded for this inbox (in one state if given), last changed first."""
        query = select(InboxDockRow).where(InboxDockRow.inbox == self.inbox)
        if status is not None:
            query = query.where(InboxDockRow.status == status.value)
        query = query.order_by(InboxDockRow.updated_at.desc(), InboxDockRow.dock)
        with self.sessions() as session:
            return [_dock(row) for row in session.scalars(query)]

    def note(self, dock: str, seen: Readiness) -> None:
        """Record a dock not ready yet, and why (only while no watcher has taken it)."""
        self._ensure(dock, seen)
        with self.sessions.begin() as session:
            session.execute(
                update(InboxDockRow)
                .where(self._named(dock), InboxDockRow.status.in_(UNCLAIMED))
                .values(
                    status=seen.state.value,
                    fingerprint=seen.fingerprint,
                    problems=list(seen.problems),
                    updated_at=utcnow(),
                )
            )

    def claim(self, dock: str, seen: Readiness, owner: str) -> InboxDock | None:
        """Take a complete dock for ingest; None if another watcher has it or it is done.

        A dock may be taken while waiting or invalid, after a failure once its files have
        changed (the station replaced something), or from a watcher silent for the lease.
        """
        self._ensure(dock, seen)
        now = utcnow()
        takeable = or_(
            InboxDockRow.status.in_(UNCLAIMED),
            and_(
                InboxDockRow.status == DockState.FAILED.value,
                InboxDockRow.fingerprint != seen.fingerprint,
            ),
            and_(
                InboxDockRow.status == DockState.INGESTING.value,
                InboxDockRow.heartbeat_at < stale_before(now, self.lease_seconds),
            ),
        )
        with self.sessions.begin() as session:
            taken = session.execute(
                update(InboxDockRow)
                .where(self._named(dock), takeable)
                .values(
                    status=DockState.INGESTING.value,
                    fingerprint=seen.fingerprint,
                    problems=[],
                    files=[f.as_dict() for f in seen.files],
                    claimed_by=owner,
                    heartbeat_at=now,
                    attempts=InboxDockRow.attempts + 1,
                    updated_at=now,
                    finished_at=None,
                    report=None,
                    reason=None,
                )
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.scalars(select(InboxDockRow).where(self._named(dock))).one()
            return _dock(row)

    def heartbeat(self, dock_id: str, owner: str) -> bool:
        return self._held_update(dock_id, owner, heartbeat_at=utcnow())

    def finish(self, dock_id: str, owner: str, report: dict[str, Any]) -> bool:
        now = utcnow()
        return self._held_update(
            dock_id, owner, status=DockState.DONE.value, report=report, finished_at=now
        )

    def fail(self, dock_id: str, owner: str, reason: str) -> bool:
        now = utcnow()
        return self._held_update(
            dock_id, owner, status=DockState.FAILED.value, reason=reason, finished_at=now
        )

    def _held_update(self, dock_id: str, owner: str, **values: Any) -> bool:
        """Change a dock this owner still holds; False if another watcher took it over."""
        with self.sessions.begin() as session:
            changed = session.execute(
                update(InboxDockRow)
                .where(
                    InboxDockRow.id == dock_id,
                    InboxDockRow.claimed_by == owner,
                    InboxDockRow.status == DockState.INGESTING.value,
                )
                .values(updated_at=utcnow(), **values)
            )
            return bool(changed.rowcount == 1)  # type: ignore[attr-defined]

    def _ensure(self, dock: str, seen: Readiness) -> None:
        """The dock's row, inserted on first sight; a racing insert by another watcher wins."""
        with self.sessions() as session:
            if session.scalar(select(InboxDockRow.id).where(self._named(dock))) is not None:
                return
        now = utcnow()
        row = InboxDockRow(
            id=uuid.uuid4().hex,
            inbox=self.inbox,
            dock=dock,
            status=DockState.WAITING.value,
            fingerprint=seen.fingerprint,
            problems=list(seen.problems),
            attempts=0,
            first_seen_at=now,
            updated_at=now,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            pass  # the other watcher's row is the dock's row

    def _named(self, dock: str) -> Any:
        return and_(InboxDockRow.inbox == self.inbox, InboxDockRow.dock == dock)
