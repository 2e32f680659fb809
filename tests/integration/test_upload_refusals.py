"""What an upload refuses before anything is ingested: odd part names, bodies over the
limit or past the quarantine's quota, and bodies cut short. Each refusal says why, keeps
no partial file and records no job; none is a server error.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.fixtures.upload_jobs import Uploads, wait_for_job, wait_until_gone

BOUNDARY = "hostile-review-boundary"


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (["."], "names no file"),
        (["x" * 296 + ".mp4"], "300 bytes long"),
        (["a.mp4", "./a.mp4"], "a.mp4: sent twice in one upload"),
        (["s\\e.mp4.json"], "backslash"),
        (["a/" * 3000], "not well-formed multipart/form-data (Maximum header size exceeded)"),
        (["a/" * 1000], "2000 bytes long"),
        (["a", "a/b.mp4"], "a/b.mp4: a is also sent as a file"),
        (["a/b.mp4", "a"], "a: also a folder in this upload"),
        (["../up.mp4"], "climbs out"),
        ([""], "the upload holds no files"),
    ],
    ids=[
        "dot",
        "300-byte",
        "twice",
        "backslash",
        "3000-folders",
        "1000-folders",
        "file-then-folder",
        "folder-then-file",
        "climbs",
        "empty",
    ],
)
def test_odd_part_names_are_refused_with_the_reason(
    uploads: Uploads, names: list[str], reason: str
) -> None:
    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            files=[("files", (name, b"recorded bytes", "video/mp4")) for name in names],
            headers=uploads.auth("pc4521"),
        )
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]
    assert uploads.jobs.newest(None, 10) == []
    assert uploads.received() == []


def multipart_head(name: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()


def request_head(port: int, token: str, headers: dict[str, str]) -> bytes:
    lines = [
        "POST /api/uploads HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {token}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        *(f"{key}: {value}" for key, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_line(sock: socket.socket) -> str:
    sock.settimeout(20)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_a_body_without_its_closing_boundary_is_refused_and_discarded(
    uploads: Uploads, media: dict[str, Path]
) -> None:
    body = multipart_head("clip.mp4") + media["short"].read_bytes() + b"\r\n"
    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            content=body,
            headers={
                **uploads.auth("pc4521"),
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )
    assert answer.status_code == 422, answer.text
    assert "closing boundary" in answer.json()["detail"]
    assert uploads.jobs.newest(None, 10) == []
    assert uploads.received() == []
    assert uploads.services.repo.list_items() == []


def test_a_connection_dropped_mid_upload_leaves_nothing_behind(uploads: Uploads) -> None:
    with uploads.served() as port:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            request_head(port, uploads.tokens["pc4521"], {"Content-Length": "1000000"})
            + multipart_head("clip.mp4")
            + b"\x00" * 50_000
        )
        deadline = time.monotonic() + 20
        while not uploads.received():
            assert time.monotonic() < deadline, "the server never staged the partial file"
            time.sleep(0.05)
        sock.close()
        deadline = time.monotonic() + 20
        while uploads.received():
            assert time.monotonic() < deadline, f"left behind: {uploads.received()}"
            time.sleep(0.05)
    assert uploads.jobs.newest(None, 10) == []


def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(
    uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads.reconfigure(monkeypatch, upload_max_bytes="100000")
    with uploads.served() as port, socket.create_connection(("127.0.0.1", port)) as sock:
        # Only the headers: the answer cannot wait for a body that is never sent.
        sock.sendall(request_head(port, uploads.tokens["pc4521"], {"Content-Length": "150000"}))
        assert status_line(sock).startswith("HTTP/1.1 413"), "no 413 for the declared size"
    with uploads.started() as client:
        answer = client.post(
            "/api/uploads",
            files=[("files", ("big.mp4", b"\x00" * 150_000, "video/mp4"))],
            headers=uploads.auth("pc4521"),
        )
        small = client.post(
            "/api/uploads",
            files=[("files", ("small.mp4", b"\x00" * 50_000, "video/mp4"))],
            headers=uploads.auth("pc4521"),
        )
        assert small.status_code == 202, small.text
        wait_for_job(client, small.json()["id"], uploads.auth("pc4521"))
    assert answer.status_code == 413, answer.text
    assert "100000" in answer.json()["detail"]
    assert uploads.received() == []
    assert [job.files for job in uploads.jobs.newest(None, 10)] == [["small.mp4"]]


def test_a_streamed_body_is_cut_off_at_the_limit(
    uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No declared length: the bytes are counted, and the answer comes before the rest."""
    uploads.reconfigure(monkeypatch, upload_max_bytes="100000")
    with uploads.served() as port:
        sock = socket.create_connection(("127.0.0.1", port))
        part = multipart_head("big.mp4") + b"\x00" * 150_000
        sock.sendall(
            request_head(port, uploads.tokens["pc4521"], {"Transfer-Encoding": "chunked"})
            + f"{len(part):x}\r\n".encode()
            + part
            + b"\r\n"
        )
        # The body is not finished (no last chunk, no closing boundary): the answer comes
        # because the limit was passed, not because the body ended.
        assert status_line(sock).startswith("HTTP/1.1 413"), "no 413 before the body ended"
        sock.close()
    assert uploads.received() == []
    assert uploads.jobs.newest(None, 10) == []


def test_uploads_are_refused_once_the_quarantine_could_pass_its_quota(
    uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads.reconfigure(monkeypatch, quarantine_quota_bytes="200000")
    auth = uploads.auth("pc4521")

    def send(client: TestClient, name: str, size: int) -> httpx.Response:
        junk = b"not a video " * (size // 12)
        return client.post(
            "/api/uploads", files=[("files", (name, junk, "video/mp4"))], headers=auth
        )

    with uploads.started() as client:
        first = send(client, "junk.mp4", 120_000)
        assert first.status_code == 202, first.text
        job = wait_for_job(client, first.json()["id"], auth)
        assert [r["path"] for r in job["report"]["rejected"]] == ["junk.mp4"]
        wait_until_gone(uploads.folder / job["id"])
        refused = send(client, "more.mp4", 100_000)
        accepted = send(client, "less.mp4", 40_000)
        assert accepted.status_code == 202, accepted.text
        wait_for_job(client, accepted.json()["id"], auth)
    assert refused.status_code == 507, refused.text
    detail = refused.json()["detail"]
    assert "quarantine" in detail and "200000" in detail
    assert sorted(job.files[0] for job in uploads.jobs.newest(None, 10)) == [
        "junk.mp4",
        "less.mp4",
    ]
