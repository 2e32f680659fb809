"""What every request handler needs: the adapters, the templates, and sign-in's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from evidence.accounts import PasswordHasher
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


def client_address(request: Request) -> str:
    """The client's address; behind ``evidence serve --trusted-proxy``, uvicorn has already
    put the proxy's ``X-Forwarded-For`` client here."""
    return request.client.host if request.client else "unknown"


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.context
    return context
