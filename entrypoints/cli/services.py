"""The adapters for a command, built (and their modules imported) when a command needs them.

Importing ``storage.bootstrap`` pulls in SQLAlchemy and the settings; ``evidence --help`` and
the commands that never open the database (``bundle verify``) should not pay for that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evidence.services.caller import Caller
    from storage.bootstrap import Services


def get_services() -> Services:
    from storage.bootstrap import get_services as build

    return build()


def at_console(command: str, officer: str | None = None) -> Caller:
    """The person at the console, with the role EVIDENCE_CONSOLE_ROLE gives them."""
    from evidence.services.caller import console_caller
    from evidence.settings import get_settings

    return console_caller(get_settings().console_role, officer, command=command)
