"""Password sign-in from a request, shared by the token route and the sign-in page."""

from __future__ import annotations

from fastapi import Request

from entrypoints.web.context import WebContext, client_address
from evidence.accounts import TokenKind
from evidence.ports import UnitOfWork
from evidence.services import auth

VIA = {TokenKind.API: "token", TokenKind.SESSION: "page"}


def sign_in_with_password(
    context: WebContext,
    uow: UnitOfWork,
    request: Request,
    credentials: tuple[str, str],
    kind: TokenKind,
) -> auth.SignedIn | None:
    """A token of ``kind`` for a correct password, None for a wrong one; raises
    ``SignInLocked`` while the name or the address is locked out."""
    username, password = credentials
    attempt = auth.Attempt(username, password, client_address(request), VIA[kind], kind)
    return auth.sign_in(uow, context.passwords, context.sign_in_rules, attempt)
