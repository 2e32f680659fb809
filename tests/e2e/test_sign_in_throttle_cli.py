"""``evidence serve`` behind a trusted proxy: lockouts seen by the CLI, TLS seen by the app."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.cli import Cli
from tests.fixtures.s3 import free_port

PASSWORD = "a long enough password"
PROXY = "127.0.0.1"
CLIENT = "203.0.113.9"


@pytest.fixture
def served(cli: Cli) -> Iterator[str]:
    for name, role in (("ivy", "investigator"), ("root", "admin")):
        assert cli("user", "add", name, "--role", role, stdin=PASSWORD + "\n").returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [str(cli.executable), "serve", "--port", str(port), "--trusted-proxy", PROXY],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, "evidence serve exited"
                assert time.monotonic() < deadline, "evidence serve did not answer in 30 s"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in(base: str, name: str, password: str, address: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/token",
        data={"username": name, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=10,
    )


def test_a_lockout_set_by_the_server_is_seen_and_cleared_by_the_cli(cli: Cli, served: str) -> None:
    statuses = [sign_in(served, "ivy", "not the password", CLIENT).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = sign_in(served, "ivy", PASSWORD, CLIENT)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 59
    listed = cli("user", "lockouts", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [entry["target"] for entry in listed.json()] == ["user:ivy"]
    unlocked = cli("user", "unlock", "ivy")
    assert unlocked.returncode == 0, unlocked.stderr
    assert "unlocked user:ivy" in unlocked.stdout
    assert sign_in(served, "ivy", PASSWORD, CLIENT).status_code == 200
    admin = sign_in(served, "root", PASSWORD, "198.51.100.4").json()["access_token"]
    trail = httpx.get(
        f"{served}/api/audit",
        headers={"Authorization": f"Bearer {admin}"},
        params={"target": "user:ivy"},
        timeout=10,
    ).json()["events"]
    actions = [(event["action"], event["address"]) for event in trail]
    assert actions.count(("sign-in-failed", CLIENT)) == 6
    assert ("sign-in-lockout", CLIENT) in actions
    assert [event["role"] for event in trail if event["action"] == "unlock-sign-in"] == ["console"]


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure_and_hsts_is_sent(served: str) -> None:
    def sign_in_page(forwarded: dict[str, str]) -> httpx.Response:
        return httpx.post(
            f"{served}/signin",
            data={"username": "ivy", "password": PASSWORD},
            headers=forwarded,
            timeout=10,
        )

    over_tls = sign_in_page({"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT})
    assert over_tls.status_code == 303, over_tls.text
    cookie = {part.strip().lower() for part in over_tls.headers["set-cookie"].split(";")}
    assert {"secure", "httponly", "samesite=strict"} <= cookie
    assert over_tls.headers["strict-transport-security"].startswith("max-age=")
    plain = sign_in_page({"X-Forwarded-For": CLIENT})
    assert plain.status_code == 303
    assert "secure" not in {part.strip().lower() for part in plain.headers["set-cookie"].split(";")}
    assert "strict-transport-security" not in plain.headers
