"""An S3 endpoint that accepts connections and never answers fails fast, not after minutes.

The black hole is a loopback socket that listens but never accepts or answers: the kernel
completes the TCP handshake, so only a read timeout (and bounded retries) can end a request.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence.errors import StoreError
from storage.s3_store import S3Store
from tests.fixtures.cli import Cli

NO_PREFECT = "http://127.0.0.1:9/api"


@pytest.fixture
def black_hole() -> Iterator[str]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def _cli(home: Path, endpoint: str, **settings: str) -> Cli:
    return Cli(
        home,
        NO_PREFECT,
        {
            "EVIDENCE_STORE_URL": "s3://evidence-bucket",
            "EVIDENCE_S3_ENDPOINT": endpoint,
            "EVIDENCE_S3_ACCESS_KEY": "testing",
            "EVIDENCE_S3_SECRET_KEY": "testing",
            **settings,
        },
    )


def test_the_adapter_gives_up_after_its_timeout_and_retries(black_hole: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match="did not answer") as raised:
        S3Store(
            "evidence-bucket",
            black_hole,
            "testing",
            "testing",
            connect_timeout=1,
            read_timeout=1,
            retries=1,
        )
    elapsed = time.monotonic() - started
    assert 2 <= elapsed < 10, elapsed  # two attempts of 1 s each, then a clean StoreError
    assert black_hole in str(raised.value)


def test_every_command_fails_within_a_minute_by_default(
    evidence_home: Path, black_hole: str
) -> None:
    cli = _cli(evidence_home, black_hole)
    started = time.monotonic()
    result = cli("list", timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 8, result.stderr
    assert "Traceback" not in result.stderr and "did not answer" in result.stderr
    assert elapsed < 60, elapsed


def test_the_timeouts_and_retries_are_settings(evidence_home: Path, black_hole: str) -> None:
    cli = _cli(
        evidence_home,
        black_hole,
        EVIDENCE_S3_CONNECT_TIMEOUT="1",
        EVIDENCE_S3_READ_TIMEOUT="1",
        EVIDENCE_S3_RETRIES="0",
    )
    started = time.monotonic()
    result = cli("list", timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 8, result.stderr
    assert elapsed < 15, elapsed
