"""Password checks: right, wrong, unknown name and a damaged stored hash, all answered."""

from __future__ import annotations

from storage.passwords import hash_password, verify_password


def test_a_password_is_checked_against_its_hash_and_an_unknown_name_never_passes() -> None:
    stored = hash_password("correct horse battery staple")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "wrong")
    # An unknown name is checked against the timing equaliser, which no password matches.
    assert not verify_password(None, "not a real password: timing equaliser")
    assert not verify_password("not an argon2 hash", "correct horse battery staple")
