"""Leave the process as soon as a command is done.

A normal interpreter exit frees every object and module one by one; with SQLAlchemy, pydantic
and Typer loaded that takes longer than a reading command's own work (measured by
``benchmarks/startup.py``). Like mypy's ``hard_exit``, the console script skips that part
only, and only where it is safe: if any other thread is alive (Prefect's, an executor's, even
a daemon one whose work an ``atexit`` hook would join) the normal exit runs; otherwise the
``atexit`` handlers still run (logging's shutdown, temporary files' finalizers, Prefect's
drains), and both standard streams are flushed; then the process ends with the command's code.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

# What CPython exits with when flushing stdout fails at shutdown (a reader gone away).
FLUSH_FAILED = 120


def exit_now(code: str | int | None) -> NoReturn:
    """End the process with ``code`` (a ``SystemExit`` code) without freeing its objects."""
    if isinstance(code, str) or _threads_running():
        sys.exit(code)  # a message to print, or threads to wait for: the ordinary way
    atexit._run_exitfuncs()
    status = code or 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or FLUSH_FAILED
    os._exit(status)


def _threads_running() -> bool:
    main = threading.main_thread()
    return any(t is not main and t.is_alive() for t in threading.enumerate())
