"""Run a Prefect flow from the CLI or the web app: quiet console, no heartbeat wait, and,
where no Prefect API is configured, the local background server instead of a temporary one
per command (see ``entrypoints.prefect_server``)."""

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
    from prefect.settings import get_current_settings, temporary_settings

    updates: dict[str, Any] = {"flows.heartbeat_frequency": None}
    if not get_current_settings().api.url:
        local = local_api_url()
        if local is not None:
            updates["api.url"] = local
    with temporary_settings(updates=updates):
        return call(*args, **kwargs)


def local_api_url() -> str | None:
    """The local background server's API URL (started if need be), or None where the
    settings ask for Prefect's temporary server per command instead."""
    from entrypoints.prefect_server import ensure
    from evidence.settings import get_settings

    settings = get_settings()
    if settings.prefect_server != "background":
        return None
    return ensure(settings.resolved_home).url
