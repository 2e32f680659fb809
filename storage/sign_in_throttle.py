"""Failed sign-in counters and lockouts in the database, shared by every worker and process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from evidence.settings import Settings
from evidence.throttle import Decision, ThrottlePolicy, ThrottleState, after_failure, decide
from storage.throttle_tables import SignInThrottleRow

USER = "user"
ADDRESS = "address"
WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class Lockout:
    """A user name or an address that is refused until ``until``."""

    kind: str
    key: str
    until: datetime
    lockouts: int

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class FailureCount:
    """What one more failed attempt did: the counts now, and any lockout it started."""

    user_failures: int
    address_failures: int
    started: list[Lockout]
    decision: Decision


def policies(settings: Settings) -> dict[str, ThrottlePolicy]:
    window = timedelta(seconds=settings.signin_window_seconds)
    lockout = timedelta(seconds=settings.signin_lockout_seconds)
    longest = timedelta(seconds=settings.signin_max_lockout_seconds)
    return {
        USER: ThrottlePolicy(settings.signin_max_failures, window, lockout, longest),
        ADDRESS: ThrottlePolicy(settings.signin_max_failures_per_address, window, lockout, longest),
    }


class SignInThrottle:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.policies = policies(settings)

    def check(self, name: str, address: str, now: datetime) -> Decision:
        """Whether an attempt for ``name`` from ``address`` may have its password checked."""
        with self.sessions() as session:
            states = [_state(self._row(session, kind, key)) for kind, key in _keys(name, address)]
        return decide(states, now)

    def record_failure(self, name: str, address: str, now: datetime) -> FailureCount:
        """Count a failed attempt against the user name and the address, locking either."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return self._count_failure(name, address, now)
            except IntegrityError:
                # Another worker created the same counter first: count again on top of it.
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _count_failure(self, name: str, address: str, now: datetime) -> FailureCount:
        states: dict[str, ThrottleState] = {}
        started: list[Lockout] = []
        with self.sessions.begin() as session:
            self._forget_stale(session, now)
            for kind, key in _keys(name, address):
                row = self._row(session, kind, key, for_update=True)
                before = _state(row)
                after = after_failure(before, now, self.policies[kind])
                if row is None:
                    row = SignInThrottleRow(kind=kind, key=key)
                    session.add(row)
                _store(row, after)
                session.flush()
                states[kind] = after
                if after.is_locked(now) and not before.is_locked(now):
                    assert after.locked_until is not None
                    started.append(Lockout(kind, key, after.locked_until, after.lockouts))
        return FailureCount(
            user_failures=states[USER].failures,
            address_failures=states[ADDRESS].failures,
            started=started,
            decision=decide(list(states.values()), now),
        )

    def record_success(self, name: str) -> None:
        """A correct sign-in clears its user name's count (the address keeps its own)."""
        self.clear(USER, name)

    def clear(self, kind: str, key: str) -> ThrottleState | None:
        """Forget the count and any lockout of one user name or address; what was forgotten."""
        with self.sessions.begin() as session:
            row = self._row(session, kind, key, for_update=True)
            if row is None:
                return None
            held = _state(row)
            session.delete(row)
        return held

    def locked(self, now: datetime) -> list[Lockout]:
        """Every user name and address locked out at ``now``, soonest release first."""
        query = (
            select(SignInThrottleRow)
            .where(SignInThrottleRow.locked_until > now)
            .order_by(SignInThrottleRow.locked_until)
        )
        with self.sessions() as session:
            rows = list(session.scalars(query))
        return [
            Lockout(row.kind, row.key, row.locked_until, row.lockouts)
            for row in rows
            if row.locked_until is not None
        ]

    def _row(
        self, session: Session, kind: str, key: str, for_update: bool = False
    ) -> SignInThrottleRow | None:
        query = select(SignInThrottleRow).where(
            SignInThrottleRow.kind == kind, SignInThrottleRow.key == key
        )
        if for_update:
            query = query.with_for_update()
        return session.scalars(query).one_or_none()

    def _forget_stale(self, session: Session, now: datetime) -> None:
        """Drop counters a quiet window has made meaningless, so guessed names do not pile up."""
        cutoff = now - max(policy.window for policy in self.policies.values())
        session.execute(
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


def _keys(name: str, address: str) -> list[tuple[str, str]]:
    return [(USER, name), (ADDRESS, address)]


def _state(row: SignInThrottleRow | None) -> ThrottleState:
    if row is None:
        return ThrottleState()
    return ThrottleState(row.failures, row.lockouts, row.last_failure_at, row.locked_until)


def _store(row: SignInThrottleRow, state: ThrottleState) -> None:
    row.failures = state.failures
    row.lockouts = state.lockouts
    row.last_failure_at = state.last_failure_at
    row.locked_until = state.locked_until
