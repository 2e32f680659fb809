"""The console script's quick exit: the command's code, its output and its ``atexit`` work
kept, threads still waited for; only the freeing of objects at shutdown is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRELUDE = """
import atexit, sys, threading, time
from entrypoints.cli.exiting import exit_now

class Noisy:
    def __del__(self):
        print("freed at shutdown", flush=True)

kept = Noisy()
atexit.register(lambda: open(sys.argv[1], "w").write("atexit ran"))
"""


def _run(body: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "atexit"
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + body, str(marker)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, marker


def test_the_code_output_and_atexit_work_are_kept_and_objects_are_not_freed(
    tmp_path: Path,
) -> None:
    # stdout is a pipe, so the print stays in Python's buffer until exit_now flushes it.
    done, marker = _run("print('x' * 5000)\nexit_now(3)", tmp_path)
    assert done.returncode == 3
    assert done.stdout == "x" * 5000 + "\n"
    assert marker.read_text() == "atexit ran"
    assert "freed at shutdown" not in done.stdout  # the slow part was skipped


def test_a_clean_end_exits_zero(tmp_path: Path) -> None:
    done, marker = _run("exit_now(None)", tmp_path)
    assert done.returncode == 0
    assert marker.exists()


def test_a_running_thread_is_waited_for_by_the_ordinary_exit(tmp_path: Path) -> None:
    body = """
def late():
    time.sleep(0.3)
    print("thread finished", flush=True)
threading.Thread(target=late).start()
exit_now(0)
"""
    done, marker = _run(body, tmp_path)
    assert done.returncode == 0
    assert "thread finished" in done.stdout
    assert marker.exists()


def test_any_other_live_thread_means_the_ordinary_exit(tmp_path: Path) -> None:
    # A daemon thread is not waited for, but its presence (an executor's, Prefect's) means
    # shutdown hooks may have work to join: the quick exit is not taken.
    body = """
threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
exit_now(4)
"""
    done, marker = _run(body, tmp_path)
    assert done.returncode == 4
    assert marker.exists()
    assert "freed at shutdown" in done.stdout


def test_a_message_is_printed_and_exits_one(tmp_path: Path) -> None:
    done, _ = _run("exit_now('cannot go on')", tmp_path)
    assert done.returncode == 1
    assert "cannot go on" in done.stderr


def test_the_evidence_command_exits_with_its_code(tmp_path: Path) -> None:
    env_home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", "show", "no-such-item"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVIDENCE_HOME": str(env_home)},
    )
    assert done.returncode == 3, done.stderr
    assert "not found" in done.stderr
