"""``evidence user`` and ``evidence serve`` as an administrator runs them."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time

from evidence.audit import verify_audit
from storage.bootstrap import get_services
from tests.fixtures.accounts import audit_events
from tests.fixtures.cli import Cli
from tests.fixtures.s3 import free_port

PASSWORD = "a long enough password"


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_user_commands(cli: Cli) -> None:
    added = cli("user", "add", "pc4521", "--role", "officer", "--json", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.json() == {"name": "pc4521", "role": "officer", "officer_id": "PC4521"}
    assert cli("user", "add", "pc4521", "--role", "officer", stdin=PASSWORD + "\n").returncode == 7
    bad_role = cli("user", "add", "x1", "--role", "chief", stdin=PASSWORD + "\n")
    assert bad_role.returncode == 2
    assert "use one of officer, investigator, cps, admin" in bad_role.stderr
    short = cli("user", "add", "ivy", "--role", "investigator", stdin="short\n")
    assert short.returncode == 2
    assert "at least 10 characters" in short.stderr
    assert cli("user", "disable", "pc4521").returncode == 0
    assert cli("user", "disable", "nobody").returncode == 3
    [listed] = cli("user", "list", "--json").json()
    assert listed["disabled"] is True
    assert "password" not in json.dumps(listed)

    trail = audit_events(get_services().engine)
    assert [(e.action, e.target, e.role) for e in trail] == [
        ("add-user", "user:pc4521", "console"),
        ("disable-user", "user:pc4521", "console"),
        ("list-users", "users", "console"),
    ]
    # The console is named by its host, as the web app names a client by its address.
    assert {e.address for e in trail} == {f"console:{socket.gethostname()}"}
    assert verify_audit(trail) == []
    assert PASSWORD not in json.dumps([e.details for e in trail])


def test_serve_answers_with_the_openapi_spec_and_tokens(cli: Cli) -> None:
    assert (
        cli("user", "add", "ivy", "--role", "investigator", stdin=PASSWORD + "\n").returncode == 0
    )
    port = free_port()
    process = subprocess.Popen(
        [str(cli.executable), "serve", "--port", str(port)],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(port, "/openapi.json")
                break
            except OSError:
                assert process.poll() is None, "evidence serve exited"
                assert time.monotonic() < deadline, "evidence serve did not answer in 30 s"
                time.sleep(0.2)
        assert status == 200
        paths = json.loads(body)["paths"]
        assert {"/api/token", "/api/items/{item_id}/media", "/api/cases/{urn}/bundle"} <= set(paths)
        assert get(port, "/api/items")[0] == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
