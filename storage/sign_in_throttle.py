"""Failed sign-in counters and lockouts in the database, shared by every worker and process.

Only the state is kept here; ``evidence.throttle`` decides what a failure does to it. A key's
row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's transactions hold the write
lock from BEGIN) from ``hold`` to the end of the unit of work, so two workers counting
failures for one name count both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from evidence.throttle import Lockout, ThrottleKey, ThrottleState
from storage.throttle_tables import SignInThrottleRow


class SqlSignInThrottle:
    def __init__(self, session: Session) -> None:
        self.session = session

    def states(self, keys: list[ThrottleKey]) -> list[ThrottleState]:
        return [_state(self._row(key)) for key in keys]

    def hold(self, key: ThrottleKey) -> ThrottleState:
        # The row is created first if missing, so there is always a row to lock: two workers
        # counting a new name's first failure then queue on it instead of both inserting it.
        self._insert_if_missing(key)
        return _state(self._row(key, for_update=True))

    def put(self, key: ThrottleKey, state: ThrottleState) -> None:
        row = self._row(key, for_update=True)
        if row is None:
            row = SignInThrottleRow(kind=key[0], key=key[1])
            self.session.add(row)
        row.failures = state.failures
        row.lockouts = state.lockouts
        row.last_failure_at = state.last_failure_at
        row.locked_until = state.locked_until
        self.session.flush()

    def clear(self, key: ThrottleKey) -> ThrottleState | None:
        row = self._row(key, for_update=True)
        if row is None:
            return None
        held = _state(row)
        self.session.delete(row)
        self.session.flush()
        return held

    def forget_stale(self, cutoff: datetime) -> None:
        self.session.execute(
            delete(SignInThrottleRow).where(
                and_(
                    SignInThrottleRow.last_failure_at < cutoff,
                    or_(
                        SignInThrottleRow.locked_until.is_(None),
                        SignInThrottleRow.locked_until < cutoff,
                    ),
                )
            )
        )

    def locked(self, now: datetime) -> list[Lockout]:
        query = (
            select(SignInThrottleRow)
            .where(SignInThrottleRow.locked_until > now)
            .order_by(SignInThrottleRow.locked_until)
        )
        return [
            Lockout(row.kind, row.key, row.locked_until, row.lockouts)
            for row in self.session.scalars(query)
            if row.locked_until is not None
        ]

    def _row(self, key: ThrottleKey, for_update: bool = False) -> SignInThrottleRow | None:
        kind, name = key
        query = select(SignInThrottleRow).where(
            SignInThrottleRow.kind == kind, SignInThrottleRow.key == name
        )
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def _insert_if_missing(self, key: ThrottleKey) -> None:
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        empty = {"kind": key[0], "key": key[1], "failures": 0, "lockouts": 0}
        insert = dialect.insert(SignInThrottleRow).values(**empty)
        self.session.execute(insert.on_conflict_do_nothing(index_elements=["kind", "key"]))


def _state(row: SignInThrottleRow | None) -> ThrottleState:
    if row is None:
        return ThrottleState()
    return ThrottleState(row.failures, row.lockouts, row.last_failure_at, row.locked_until)
