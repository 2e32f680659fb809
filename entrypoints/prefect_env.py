"""Run a Prefect flow from the CLI or the web app: quiet console, no heartbeat wait."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
}


def prepare() -> None:
    """Call before the first import of Prefect: its settings are read at import."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


def run_flow(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``call`` (a flow) without waiting for the heartbeat thread at exit."""
    prepare()
    from prefect.settings import temporary_settings

    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        return call(*args, **kwargs)
