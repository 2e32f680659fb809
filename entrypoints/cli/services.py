"""The adapters for a command, built (and their modules imported) when a command needs them.

Importing ``storage.bootstrap`` pulls in SQLAlchemy and the settings; ``evidence --help`` and
the commands that never open the database (``bundle verify``) should not pay for that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.bootstrap import Services


def get_services() -> Services:
    from storage.bootstrap import get_services as build

    return build()
