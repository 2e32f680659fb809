"""The security headers reach every answer, an unhandled error's 500 included."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from entrypoints.web.headers import ALWAYS, SecurityHeaders


def test_a_500_from_an_unhandled_error_carries_the_security_headers() -> None:
    app = FastAPI()
    app.add_middleware(SecurityHeaders)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug, not a refusal")

    @app.get("/fine")
    def fine() -> dict[str, str]:
        return {"ok": "yes"}

    client = TestClient(app, raise_server_exceptions=False)
    for path, status in (("/boom", 500), ("/fine", 200)):
        answer = client.get(path)
        assert answer.status_code == status
        for name, value in ALWAYS.items():
            assert answer.headers[name] == value, (path, name)
        assert answer.headers["cache-control"] == "no-store"
    assert "a bug" not in client.get("/boom").text
