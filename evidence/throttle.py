"""Throttling of failed sign-ins: when an attempt is allowed, and for how long a key is locked.

A key is a submitted user name or a client address. Failures count while they keep coming
within ``window`` of the one before (or of the end of the last lockout); after a quiet
``window`` the key starts afresh. The ``max_failures``-th failure locks the key for
``lockout``, doubling with each further lockout up to ``max_lockout``. A successful sign-in
clears its user name. Everything here is a pure function of the state and ``now``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    lockout: timedelta
    max_lockout: timedelta

    def lockout_after(self, lockouts: int) -> timedelta:
        """The length of the lockout that follows ``lockouts`` earlier ones."""
        doubled = self.lockout * (2 ** min(lockouts, MAX_DOUBLINGS))
        return min(doubled, self.max_lockout)


@dataclass(frozen=True)
class ThrottleState:
    failures: int = 0
    lockouts: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def is_stale(self, now: datetime, policy: ThrottlePolicy) -> bool:
        """Whether a quiet ``window`` has passed since the last failure or lockout."""
        moments = [m for m in (self.last_failure_at, self.locked_until) if m is not None]
        return not moments or now - max(moments) > policy.window


@dataclass(frozen=True)
class Decision:
    allowed: bool
    locked_until: datetime | None
    retry_after: int


def decide(states: list[ThrottleState], now: datetime) -> Decision:
    """May an attempt go ahead, given the states of its user name and its address?"""
    locks = [state.locked_until for state in states if state.is_locked(now)]
    if not locks:
        return Decision(allowed=True, locked_until=None, retry_after=0)
    until = max(lock for lock in locks if lock is not None)
    return Decision(allowed=False, locked_until=until, retry_after=_seconds(until - now))


def after_failure(state: ThrottleState, now: datetime, policy: ThrottlePolicy) -> ThrottleState:
    """The state once a failed attempt at ``now`` is counted; it may now be locked.

    A failure while already locked (a request that raced the lock) changes nothing: the
    lock stands as set, and is not lengthened by attempts it refused.
    """
    if state.is_locked(now):
        return state
    if state.is_stale(now, policy):
        state = ThrottleState()
    failures = state.failures + 1
    if failures < policy.max_failures:
        return replace(state, failures=failures, last_failure_at=now)
    return ThrottleState(
        failures=0,
        lockouts=state.lockouts + 1,
        last_failure_at=now,
        locked_until=now + policy.lockout_after(state.lockouts),
    )


def _seconds(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds()))
