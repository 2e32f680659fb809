"""The sign-in throttle's decisions, with ``now`` passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evidence.throttle import ThrottlePolicy, ThrottleState, after_failure, decide

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(
    max_failures=5,
    window=timedelta(minutes=15),
    lockout=timedelta(minutes=1),
    max_lockout=timedelta(minutes=15),
)


def fail(state: ThrottleState, times: int, at: datetime, step: timedelta) -> ThrottleState:
    for n in range(times):
        state = after_failure(state, at + n * step, POLICY)
    return state


def test_four_failures_leave_the_key_open_and_the_fifth_locks_it() -> None:
    four = fail(ThrottleState(), 4, START, timedelta(seconds=10))
    assert four.failures == 4
    assert decide([four], START + timedelta(seconds=40)).allowed
    five = after_failure(four, START + timedelta(seconds=40), POLICY)
    assert five.locked_until == START + timedelta(seconds=40) + POLICY.lockout
    refused = decide([five], START + timedelta(seconds=41))
    assert not refused.allowed
    assert refused.retry_after == 59
    assert refused.locked_until == five.locked_until


def test_the_lock_ends_when_its_time_is_up() -> None:
    locked = fail(ThrottleState(), 5, START, timedelta(seconds=1))
    assert locked.locked_until is not None
    assert not decide([locked], locked.locked_until - timedelta(microseconds=1)).allowed
    assert decide([locked], locked.locked_until).allowed


def test_each_further_lockout_doubles_up_to_the_cap() -> None:
    state = ThrottleState()
    lengths = []
    now = START
    for _ in range(7):
        state = fail(state, 5, now, timedelta(seconds=1))
        assert state.locked_until is not None
        lengths.append(state.locked_until - (now + timedelta(seconds=4)))
        now = state.locked_until
    assert [span.total_seconds() / 60 for span in lengths] == [1, 2, 4, 8, 15, 15, 15]


def test_a_quiet_window_forgets_failures_and_earlier_lockouts() -> None:
    four = fail(ThrottleState(), 4, START, timedelta(seconds=1))
    later = START + timedelta(seconds=3) + POLICY.window + timedelta(seconds=1)
    assert after_failure(four, later, POLICY).failures == 1
    locked = fail(ThrottleState(), 10, START, timedelta(seconds=1))
    assert locked.lockouts == 1
    assert locked.locked_until is not None
    after_quiet = locked.locked_until + POLICY.window + timedelta(seconds=1)
    again = fail(locked, 5, after_quiet, timedelta(seconds=1))
    assert again.lockouts == 1
    assert again.locked_until == after_quiet + timedelta(seconds=4) + POLICY.lockout


def test_failures_spaced_inside_the_window_still_add_up() -> None:
    slow = fail(ThrottleState(), 5, START, timedelta(minutes=14))
    assert slow.lockouts == 1
    assert not decide([slow], START + timedelta(minutes=56, seconds=30)).allowed


def test_either_key_locked_refuses_and_the_later_release_is_reported() -> None:
    user = fail(ThrottleState(), 5, START, timedelta(seconds=1))
    address = ThrottleState(lockouts=3, locked_until=START + timedelta(minutes=10))
    decision = decide([user, address, ThrottleState()], START + timedelta(seconds=5))
    assert not decision.allowed
    assert decision.locked_until == START + timedelta(minutes=10)
    assert decide([ThrottleState(), ThrottleState(failures=4)], START).allowed


def test_a_huge_lockout_count_stays_at_the_cap() -> None:
    assert POLICY.lockout_after(10_000) == POLICY.max_lockout


def test_failures_while_locked_neither_count_nor_lengthen_the_lock() -> None:
    locked = fail(ThrottleState(), 5, START, timedelta(seconds=1))
    hammered = fail(locked, 50, START + timedelta(seconds=5), timedelta(seconds=1))
    assert hammered == locked
