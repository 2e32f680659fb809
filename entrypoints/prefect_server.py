"""A local Prefect server, started once in the background under ``EVIDENCE_HOME``.

Without ``PREFECT_API_URL`` Prefect starts a temporary server inside every flow command
(9 to 14 s each here). Instead the first flow command starts ``prefect server start`` on a free
loopback port as a detached process (its own session, so a Ctrl-C in the terminal does not
reach it) and records it; later commands and the web app's upload worker find it and reuse
it; ``evidence server stop`` ends it.

Everything lives in ``EVIDENCE_HOME/prefect/``: ``server.json`` (pid, port, URL, start
time), ``server.log``, Prefect's own home with its SQLite database, and ``server.lock``.
The record is trusted only while its process is the one that was started (same pid *and*
the same kernel start time, so a reused pid is not mistaken for it) and the API answers
``/api/health``; anything else is stale and replaced. Starting and stopping hold an
exclusive ``flock`` on the lock file, so two commands racing start one server: the second
waits, then finds the first one's. This module never imports Prefect.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from evidence.errors import ConfigurationError

HEALTH_TIMEOUT_SECONDS = 0.5
START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 10.0
START_ATTEMPTS = 3  # a port taken between choosing it and the server binding it: try another


@dataclass(frozen=True)
class ServerRecord:
    pid: int
    port: int
    url: str  # the API URL, as PREFECT_API_URL takes it
    started_at: str  # UTC, ISO 8601
    process_start: str | None  # the kernel's start time of ``pid``, to tell a reused pid apart

    def uptime_seconds(self, now: datetime | None = None) -> float:
        started = datetime.fromisoformat(self.started_at)
        return ((now or datetime.now(UTC)) - started).total_seconds()


def state_dir(home: Path) -> Path:
    return home / "prefect"


def read_record(home: Path) -> ServerRecord | None:
    try:
        data = json.loads((state_dir(home) / "server.json").read_text())
        return ServerRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def is_ours(record: ServerRecord) -> bool:
    """Whether the recorded process still runs and is the one that was started."""
    state = _process_state(record.pid)
    return state is not None and state[0] != "Z" and state[1] == record.process_start


def healthy(url: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    if not url.startswith("http://"):
        return False
    try:
        import urllib.request  # here: with ssl, a fortieth of a second that --help need not pay

        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (OSError, ValueError):
        return False


def running(home: Path) -> ServerRecord | None:
    """The recorded server if it is ours and answers, else None."""
    record = read_record(home)
    if record is not None and is_ours(record) and healthy(record.url):
        return record
    return None


def ensure(home: Path, timeout: float = START_TIMEOUT_SECONDS) -> ServerRecord:
    """The running local server, started first if there is none (or only a stale record)."""
    record = running(home)
    if record is not None:
        return record
    with _locked(home):
        record = read_record(home)
        if record is not None and is_ours(record) and _wait_healthy(record, timeout):
            return record
        if record is not None:
            _end(record)  # stale, or alive but never answering: replace it
        for _attempt in range(START_ATTEMPTS):
            record = _start(home)
            if _wait_healthy(record, timeout):
                return record
            if is_ours(record):  # up but silent for the whole wait: no retry helps
                _end(record)
                break
        _forget(home)
        raise ConfigurationError(
            f"the local Prefect server under {state_dir(home)} did not start "
            f"({_log_tail(home)}); see {state_dir(home) / 'server.log'}, "
            "or set PREFECT_API_URL to a running Prefect server"
        )


def stop(home: Path) -> ServerRecord | None:
    """Stop the recorded server (SIGTERM, then SIGKILL); its record, if it was running
    (a stale record is only removed)."""
    with _locked(home):
        record = read_record(home)
        was_running = record is not None and is_ours(record)
        if record is not None and was_running:
            _end(record)
        _forget(home)
        return record if was_running else None


def _start(home: Path) -> ServerRecord:
    folder = state_dir(home)
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(folder / "home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "prefect", "server", "start"]
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=env,
            start_new_session=True,
        )
    _STARTED.append(process)  # kept, so no warning that a child outlived its handle
    state = _process_state(process.pid)
    record = ServerRecord(
        pid=process.pid,
        port=port,
        url=f"http://127.0.0.1:{port}/api",
        started_at=datetime.now(UTC).isoformat(),
        process_start=state[1] if state else None,
    )
    _write_record(home, record)
    return record


_STARTED: list[subprocess.Popen[bytes]] = []


def _wait_healthy(record: ServerRecord, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(record.url):
            return True
        if not is_ours(record):
            return False  # it exited (a port taken, a broken install): say so now
        time.sleep(0.1)
    return False


def _end(record: ServerRecord) -> None:
    """SIGTERM the server's process group, wait, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_SECONDS), (signal.SIGKILL, 5.0)):
        if not is_ours(record):
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and is_ours(record):
            _reap(record.pid)
            time.sleep(0.05)
    _reap(record.pid)


def _reap(pid: int) -> None:
    """Collect the exit of a server this process started (else it lingers as a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _process_state(pid: int) -> tuple[str, str] | None:
    """(state letter, start time in clock ticks) from /proc, or None if there is no such pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_record(home: Path, record: ServerRecord) -> None:
    target = state_dir(home) / "server.json"
    staging = target.with_suffix(".json.partial")
    staging.write_text(json.dumps(asdict(record), indent=2) + "\n")
    staging.replace(target)


def _forget(home: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (state_dir(home) / "server.json").unlink()


def _log_tail(home: Path) -> str:
    try:
        lines = (state_dir(home) / "server.log").read_text(errors="replace").splitlines()
    except OSError:
        return "no log"
    lines = [line.strip() for line in lines if line.strip()]
    return lines[-1] if lines else "nothing logged"


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    folder = state_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "server.lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        yield
