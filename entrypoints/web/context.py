"""What every request handler needs: the adapters, the user store, the templates."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from evidence.access import Principal
from evidence.audit import AuditEvent
from evidence.services.cases import shared_exhibit_ids
from storage.bootstrap import Services
from storage.sign_in_throttle import SignInThrottle
from storage.web_repository import WebRepository

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")


@dataclass
class WebContext:
    services: Services
    users: WebRepository
    templates: Jinja2Templates

    @cached_property
    def throttle(self) -> SignInThrottle:
        """Failed sign-in counts and lockouts, on the app's database and settings."""
        return SignInThrottle(self.services.engine, self.services.settings)

    def audit(
        self,
        request: Request,
        principal: Principal,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Record who did what to which target, from which address."""
        return self.users.record(principal, action, target, client_address(request), details)

    def shared_item_ids(self, principal: Principal) -> set[str]:
        """Items a CPS user may see: the exhibits of the cases shared with them."""
        with self.services.unit_of_work() as uow:
            return shared_exhibit_ids(uow, principal)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.context
    return context
