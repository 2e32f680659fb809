"""Throttling of failed sign-ins through the API, the sign-in page and ``evidence user unlock``.

Each test runs on SQLite and PostgreSQL, with a one-second lockout so expiry can be seen;
tests that need the lock to hold while they act (two cores shared with other work can take
more than a second for a few Argon2 checks) use a one-minute lockout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from entrypoints.cli.main import build_app
from entrypoints.web.app import create_app
from evidence.access import Role
from evidence.audit import AuditEvent, verify_audit
from evidence.services.auth import LOCKED_MESSAGE
from storage.bootstrap import Services, get_services, reset_services
from tests.fixtures.accounts import add_user, audit_events, disable_user

PASSWORD = "correct horse battery staple"
WRONG = "Tr0ub4dor&3 guess"
MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 8
LONG_LOCKOUT = 60


@dataclass
class ThrottledApp:
    app: FastAPI
    services: Services

    def client(self, address: str) -> TestClient:
        return TestClient(self.app, client=(address, 50000))

    def events(self, action: str) -> list[AuditEvent]:
        return [event for event in self.audit() if event.action == action]

    def audit(self) -> list[AuditEvent]:
        return audit_events(self.services.engine)


@pytest.fixture
def throttled(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ThrottledApp]:
    yield from throttled_app(database_url, tmp_path, monkeypatch, lockout_seconds=1)


@pytest.fixture
def slow_to_unlock(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ThrottledApp]:
    yield from throttled_app(database_url, tmp_path, monkeypatch, LONG_LOCKOUT)


def throttled_app(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lockout_seconds: int
) -> Iterator[ThrottledApp]:
    monkeypatch.setenv("EVIDENCE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EVIDENCE_DATABASE_URL", database_url)
    monkeypatch.delenv("EVIDENCE_STORE_URL", raising=False)
    monkeypatch.setenv("EVIDENCE_SIGNIN_MAX_FAILURES", str(MAX_FAILURES))
    monkeypatch.setenv("EVIDENCE_SIGNIN_MAX_FAILURES_PER_ADDRESS", str(ADDRESS_MAX_FAILURES))
    monkeypatch.setenv("EVIDENCE_SIGNIN_LOCKOUT_SECONDS", str(lockout_seconds))
    monkeypatch.setenv("EVIDENCE_SIGNIN_MAX_LOCKOUT_SECONDS", str(4 * lockout_seconds))
    reset_services()
    services = get_services()
    for name, role in (("ivy", Role.INVESTIGATOR), ("root", Role.ADMIN), ("gone", Role.CPS)):
        add_user(services.engine, name, role, PASSWORD)
    disable_user(services.engine, "gone")
    yield ThrottledApp(create_app(services), services)
    reset_services()


def token(client: TestClient, name: str, password: str) -> httpx.Response:
    return client.post("/api/token", data={"username": name, "password": password})


def fail(client: TestClient, name: str, times: int) -> list[httpx.Response]:
    return [token(client, name, WRONG) for _ in range(times)]


def answer(response: httpx.Response) -> tuple[int, str, str | None]:
    return response.status_code, response.text, response.headers.get("retry-after")


def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(
    slow_to_unlock: ThrottledApp,
) -> None:
    throttled = slow_to_unlock
    attacker = throttled.client("203.0.113.7")
    failures = fail(attacker, "ivy", MAX_FAILURES)
    assert [r.status_code for r in failures] == [401, 401, 401, 401, 429]
    right = token(attacker, "ivy", PASSWORD)
    assert right.status_code == 429
    assert LONG_LOCKOUT - 5 <= int(right.headers["retry-after"]) <= LONG_LOCKOUT
    assert right.json() == {"detail": LOCKED_MESSAGE}
    assert "access_token" not in right.text
    # The name is locked whatever the address; another user at another address is not.
    assert token(throttled.client("198.51.100.2"), "ivy", PASSWORD).status_code == 429
    assert token(throttled.client("198.51.100.3"), "root", PASSWORD).status_code == 200


def test_unknown_and_known_names_get_the_identical_answers(
    slow_to_unlock: ThrottledApp,
) -> None:
    throttled = slow_to_unlock
    known = [answer(r) for r in fail(throttled.client("203.0.113.10"), "ivy", MAX_FAILURES + 1)]
    unknown = [
        answer(r) for r in fail(throttled.client("203.0.113.11"), "nobody", MAX_FAILURES + 1)
    ]
    # The same statuses and bodies; Retry-After counts down, so only its presence is compared.
    assert [(status, body, after is None) for status, body, after in known] == [
        (status, body, after is None) for status, body, after in unknown
    ]
    assert known[-1][0] == 429


def test_the_lock_lifts_after_its_time_and_success_resets_the_count(
    throttled: ThrottledApp,
) -> None:
    client = throttled.client("203.0.113.20")
    fail(client, "ivy", MAX_FAILURES)
    assert token(client, "ivy", PASSWORD).status_code == 429
    time.sleep(1.1)
    assert token(client, "ivy", PASSWORD).status_code == 200
    # The success cleared the name's count (the address keeps its own, so change address):
    # four more failures do not lock the name again.
    elsewhere = throttled.client("203.0.113.21")
    assert [r.status_code for r in fail(elsewhere, "ivy", MAX_FAILURES - 1)] == [401] * 4
    assert token(elsewhere, "ivy", PASSWORD).status_code == 200


def test_a_second_lockout_lasts_twice_as_long(throttled: ThrottledApp) -> None:
    fail(throttled.client("203.0.113.25"), "nobody", MAX_FAILURES)
    time.sleep(1.1)
    second = fail(throttled.client("203.0.113.26"), "nobody", MAX_FAILURES)[-1]
    assert answer(second)[0::2] == (429, "2")


def test_many_names_from_one_address_lock_the_address(slow_to_unlock: ThrottledApp) -> None:
    sprayer = slow_to_unlock.client("203.0.113.30")
    names = [f"guess{n}" for n in range(ADDRESS_MAX_FAILURES)]
    statuses = [token(sprayer, name, WRONG).status_code for name in names]
    assert statuses == [401] * (ADDRESS_MAX_FAILURES - 1) + [429]
    assert token(sprayer, "root", PASSWORD).status_code == 429
    assert token(slow_to_unlock.client("203.0.113.31"), "root", PASSWORD).status_code == 200
    [lockout] = slow_to_unlock.events("sign-in-lockout")
    assert lockout.target == "address:203.0.113.30"


def test_disabled_users_stay_refused_and_their_attempts_count(slow_to_unlock: ThrottledApp) -> None:
    client = slow_to_unlock.client("203.0.113.40")
    refused = [token(client, "gone", PASSWORD) for _ in range(MAX_FAILURES)]
    assert [r.status_code for r in refused] == [401] * 4 + [429]


def test_failures_and_lockouts_are_audited_without_the_password(
    slow_to_unlock: ThrottledApp,
) -> None:
    client = slow_to_unlock.client("203.0.113.50")
    fail(client, "ivy", MAX_FAILURES)
    token(client, "ivy", PASSWORD)
    failed = slow_to_unlock.events("sign-in-failed")
    assert len(failed) == MAX_FAILURES + 1
    assert {event.address for event in failed} == {"203.0.113.50"}
    assert {event.target for event in failed} == {"user:ivy"}
    assert [event.details["user_failures"] for event in failed[:4]] == [1, 2, 3, 4]
    assert failed[-1].details["reason"] == "locked out"
    [lockout] = slow_to_unlock.events("sign-in-lockout")
    assert lockout.target == "user:ivy"
    assert lockout.details["lockout_number"] == 1
    trail = json.dumps([event.as_dict() for event in slow_to_unlock.audit()])
    assert WRONG not in trail
    assert PASSWORD not in trail
    assert verify_audit(slow_to_unlock.audit()) == []


def test_the_sign_in_page_says_the_account_is_locked(slow_to_unlock: ThrottledApp) -> None:
    browser = slow_to_unlock.client("203.0.113.60")
    for _ in range(MAX_FAILURES):
        page = browser.post("/signin", data={"username": "ivy", "password": WRONG})
    assert page.status_code == 429
    locked = browser.post("/signin", data={"username": "ivy", "password": PASSWORD})
    assert locked.status_code == 429
    assert LONG_LOCKOUT - 5 <= int(locked.headers["retry-after"]) <= LONG_LOCKOUT
    assert "Too many failed sign-ins" in locked.text
    assert "ask an administrator to unlock" in locked.text
    assert "evidence_session" not in locked.headers.get("set-cookie", "")
    pages = [e for e in slow_to_unlock.events("sign-in-failed") if e.details["via"] == "page"]
    assert len(pages) == MAX_FAILURES + 1


def test_user_unlock_clears_the_lockout_and_is_audited(slow_to_unlock: ThrottledApp) -> None:
    client = slow_to_unlock.client("203.0.113.70")
    fail(client, "ivy", MAX_FAILURES)
    runner = CliRunner()
    listed = runner.invoke(build_app(), ["user", "lockouts", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [entry["target"] for entry in json.loads(listed.stdout)] == ["user:ivy"]
    unlocked = runner.invoke(build_app(), ["user", "unlock", "ivy", "--json"])
    assert unlocked.exit_code == 0, unlocked.output
    [cleared] = json.loads(unlocked.stdout)
    assert cleared["target"] == "user:ivy"
    assert cleared["locked_until"] is not None
    assert token(client, "ivy", PASSWORD).status_code == 200
    [event] = slow_to_unlock.events("unlock-sign-in")
    assert event.target == "user:ivy"
    assert event.role == "console"
    again = runner.invoke(build_app(), ["user", "unlock", "ivy"])
    assert again.exit_code == 0
    assert "had no failed sign-ins to clear" in again.stdout


def test_a_success_before_any_lockout_resets_the_names_count(slow_to_unlock: ThrottledApp) -> None:
    first = slow_to_unlock.client("203.0.113.80")
    assert [r.status_code for r in fail(first, "ivy", MAX_FAILURES - 1)] == [401] * 4
    assert token(first, "ivy", PASSWORD).status_code == 200
    # Without the reset these would be the 5th to 8th failures in a row: the 5th would lock.
    second = slow_to_unlock.client("203.0.113.81")
    assert [r.status_code for r in fail(second, "ivy", MAX_FAILURES - 1)] == [401] * 4
    assert token(second, "ivy", PASSWORD).status_code == 200
    assert slow_to_unlock.events("sign-in-lockout") == []


def test_a_wrong_password_during_a_lockout_is_audited(slow_to_unlock: ThrottledApp) -> None:
    throttled = slow_to_unlock
    client = throttled.client("203.0.113.90")
    fail(client, "ivy", MAX_FAILURES)
    counted = len(throttled.events("sign-in-failed"))
    during = fail(client, "ivy", 2)
    assert [r.status_code for r in during] == [429, 429]
    page = client.post("/signin", data={"username": "ivy", "password": WRONG})
    assert page.status_code == 429
    refused = throttled.events("sign-in-failed")[counted:]
    assert [(e.target, e.address, e.details["via"]) for e in refused] == [
        ("user:ivy", "203.0.113.90", "token"),
        ("user:ivy", "203.0.113.90", "token"),
        ("user:ivy", "203.0.113.90", "page"),
    ]
    assert {e.details["reason"] for e in refused} == {"locked out"}
    assert all(e.details["retry_after"] >= 1 for e in refused)
    assert WRONG not in json.dumps([e.as_dict() for e in refused])
    # Refused attempts neither count nor lengthen the lock.
    assert len(throttled.events("sign-in-lockout")) == 1
