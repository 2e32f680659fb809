"""Who asks: a principal and the address they asked from, for every interface alike."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evidence.access import ACCOUNT_ROLES, Principal, Role, parse_role
from evidence.audit import AuditEvent
from evidence.custody import Actor
from evidence.ports import UnitOfWork

CONSOLE_ROLES = (*ACCOUNT_ROLES, Role.CONSOLE)


@dataclass(frozen=True)
class Caller:
    """A principal, where the request came from (a client address, or ``console:HOST``),
    the host doing the work (the custody log's ``where``) and what was asked for
    (``request``: the web's ``method`` and ``path``, the console's ``command``), which a
    refusal's audit record names."""

    principal: Principal
    address: str
    host: str = socket.gethostname()
    request: Mapping[str, str] = field(default_factory=dict)

    @property
    def route(self) -> str:
        """What was asked for, as an audit target: ``route:GET /api/items`` or
        ``command:show``."""
        if "path" in self.request:
            return f"route:{self.request.get('method', '')} {self.request['path']}"
        return f"command:{self.request.get('command', 'unknown')}"

    @property
    def actor(self) -> Actor:
        """The custody log's ``who`` and ``where`` for what this caller does to an item.

        An officer's custody events name their collar id; anyone else is named as signed in.
        """
        return Actor(name=self.principal.officer_id or self.principal.name, host=self.host)


def console_caller(
    role: str, officer: str | None = None, user: str | None = None, command: str | None = None
) -> Caller:
    """The person at the console: the OS user (or ``--officer``) with the configured role.

    The custody log has always named the console's events by the OS user or the collar id
    given with ``--officer``; the audit trail names them the same way.
    """
    actor = Actor.current(officer or user)
    principal = Principal(name=actor.name, role=parse_role(role, CONSOLE_ROLES), officer_id=officer)
    request = {"command": command} if command else {}
    return Caller(principal, f"console:{actor.host}", actor.host, request)


def system_caller(name: str | None = None, via: str = "flow") -> Caller:
    """Work the system does on its own (a scheduled or ingest-triggered flow): the console's
    powers, named in the custody log as it always has been (``name``, or the OS user)."""
    actor = Actor.current(name)
    principal = Principal(name=actor.name, role=Role.CONSOLE)
    return Caller(principal, f"{via}:{actor.host}", actor.host)


def audit(
    uow: UnitOfWork,
    caller: Caller,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record, in ``uow``'s transaction, that ``caller`` did ``action`` to ``target``."""
    principal = caller.principal
    return uow.audit.record(
        principal.name, principal.role.value, action, target, caller.address, details
    )
