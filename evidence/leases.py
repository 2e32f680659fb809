"""Claims held by a heartbeat: a job or dock is taken by one runner, and taken over only when
that runner has been silent for longer than the lease.

The claim itself is a conditional update in the database (the adapters); this module names
runners and keeps a claim alive from a background thread while the work runs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

logger = logging.getLogger(__name__)

RUNNER_NAME_LIMIT = 160


def runner_name(role: str) -> str:
    """Who holds a claim: the role, host and process, and a tag for this runner in it."""
    name = f"{role}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return name[-RUNNER_NAME_LIMIT:]


def stale_before(now: datetime, lease_seconds: int) -> datetime:
    """Claims with no heartbeat since this moment belong to a runner presumed dead."""
    return now - timedelta(seconds=lease_seconds)


def beat_interval(lease_seconds: int) -> float:
    """Five beats a lease: a runner must miss several in a row to lose its claim."""
    return max(0.05, lease_seconds / 5)


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds until the block ends.

    ``beat`` answers whether the claim is still held; once it is not (another runner took it
    over), the heartbeat stops and says so in the log. The work itself is not interrupted:
    its final update is conditional on the claim too, so it cannot overwrite the new holder's.
    """

    def __init__(self, beat: Callable[[], bool], interval: float, what: str) -> None:
        self._beat = beat
        self._interval = interval
        self._what = what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {what}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                held = self._beat()
            except Exception:  # a database hiccup: the next beat tries again
                logger.warning("%s: heartbeat not recorded", self._what, exc_info=True)
                continue
            if not held:
                logger.warning("%s: the claim was taken over by another runner", self._what)
                return
