"""Who asks: a principal and the address they asked from, for every interface alike."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from evidence.access import ACCOUNT_ROLES, Principal, Role, parse_role
from evidence.audit import AuditEvent
from evidence.custody import Actor
from evidence.ports import UnitOfWork

CONSOLE_ROLES = (*ACCOUNT_ROLES, Role.CONSOLE)


@dataclass(frozen=True)
class Caller:
    """A principal, where the request came from (a client address, or ``console:HOST``),
    and the host doing the work (the custody log's ``where``). ``request`` is the web
    request's method and path, which a recorded refusal names (None at the console)."""

    principal: Principal
    address: str
    host: str = socket.gethostname()
    request: tuple[str, str] | None = None

    @property
    def actor(self) -> Actor:
        """The custody log's ``who`` and ``where`` for what this caller does to an item.

        An officer's custody events name their collar id; anyone else is named as signed in.
        """
        return Actor(name=self.principal.officer_id or self.principal.name, host=self.host)


def console_caller(role: str, officer: str | None = None, user: str | None = None) -> Caller:
    """The person at the console: the OS user (or ``--officer``) with the configured role.

    The custody log has always named the console's events by the OS user or the collar id
    given with ``--officer``; the audit trail names them the same way.
    """
    actor = Actor.current(officer or user)
    principal = Principal(name=actor.name, role=parse_role(role, CONSOLE_ROLES), officer_id=officer)
    return Caller(principal=principal, address=f"console:{actor.host}", host=actor.host)


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
