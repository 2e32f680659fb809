"""Throttling of failed sign-ins: when an attempt is allowed, and for how long a key is locked.

A key is a submitted user name or a client address. Failures count while they keep coming
within ``window`` of the one before (or of the end of the last lockout); after a quiet
``window`` the key starts afresh. The ``max_failures``-th failure locks the key for
``lockout``, doubling with each further lockout up to ``max_lockout``. A successful sign-in
clears its user name. Everything here is a pure function of the state and ``now``.

The store (``SignInThrottle``) only keeps each key's state, under row locks; ``count_failure``
applies the policy to what it holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from evidence.settings import Settings

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


USER = "user"
ADDRESS = "address"
ThrottleKey = tuple[str, str]


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


@dataclass(frozen=True)
class SignInRules:
    """The policies for user names and for client addresses."""

    user: ThrottlePolicy
    address: ThrottlePolicy

    def policy(self, kind: str) -> ThrottlePolicy:
        return self.user if kind == USER else self.address

    @property
    def longest_window(self) -> timedelta:
        return max(self.user.window, self.address.window)


def sign_in_rules(settings: Settings) -> SignInRules:
    window = timedelta(seconds=settings.signin_window_seconds)
    lockout = timedelta(seconds=settings.signin_lockout_seconds)
    longest = timedelta(seconds=settings.signin_max_lockout_seconds)
    return SignInRules(
        user=ThrottlePolicy(settings.signin_max_failures, window, lockout, longest),
        address=ThrottlePolicy(settings.signin_max_failures_per_address, window, lockout, longest),
    )


def sign_in_keys(name: str, address: str) -> list[ThrottleKey]:
    return [(USER, name), (ADDRESS, address)]


class SignInThrottle(Protocol):
    """The throttle's state per key, shared by every worker and process.

    The store only keeps states; what a failure does to one is ``after_failure`` above.
    """

    def states(self, keys: list[ThrottleKey]) -> list[ThrottleState]: ...

    def hold(self, key: ThrottleKey) -> ThrottleState:
        """The key's state, locked against other writers until the unit of work ends."""
        ...

    def put(self, key: ThrottleKey, state: ThrottleState) -> None: ...

    def clear(self, key: ThrottleKey) -> ThrottleState | None:
        """Forget the key's count and lockout; what was forgotten (None if nothing)."""
        ...

    def forget_stale(self, cutoff: datetime) -> None:
        """Drop counters whose last failure and lockout both ended before ``cutoff``."""
        ...

    def locked(self, now: datetime) -> list[Lockout]:
        """Every key locked out at ``now``, soonest release first."""
        ...


def count_failure(
    throttle: SignInThrottle, name: str, address: str, now: datetime, rules: SignInRules
) -> FailureCount:
    """Count a failed attempt against the user name and the address, locking either."""
    throttle.forget_stale(now - rules.longest_window)
    states: dict[str, ThrottleState] = {}
    started: list[Lockout] = []
    for kind, key in sign_in_keys(name, address):
        before = throttle.hold((kind, key))
        after = after_failure(before, now, rules.policy(kind))
        throttle.put((kind, key), after)
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
