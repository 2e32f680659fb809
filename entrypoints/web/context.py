"""What every request handler needs: the adapters, the templates, and sign-in's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from evidence.access import Principal
from evidence.accounts import PasswordHasher
from evidence.audit import AuditEvent
from evidence.services.caller import Caller
from evidence.services.caller import audit as record
from evidence.throttle import SignInRules
from storage.bootstrap import Services

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")


@dataclass
class WebContext:
    services: Services
    templates: Jinja2Templates
    passwords: PasswordHasher
    sign_in_rules: SignInRules

    def audit(
        self,
        request: Request,
        principal: Principal,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Record who did what to which target, from which address.

        For routers not yet calling a service (which records its own events).
        """
        caller = Caller(principal, client_address(request))
        with self.services.unit_of_work() as uow:
            event = record(uow, caller, action, target, details)
            uow.commit()
        return event


def client_address(request: Request) -> str:
    """The client's address; behind ``evidence serve --trusted-proxy``, uvicorn has already
    put the proxy's ``X-Forwarded-For`` client here."""
    return request.client.host if request.client else "unknown"


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.context
    return context
