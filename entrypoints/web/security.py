"""Who is asking: bearer tokens for the API, session cookies (with CSRF) for the pages."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from entrypoints.web.context import WebContext, get_context
from evidence.access import Principal
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller

SESSION_COOKIE = "evidence_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


class SignInRequired(Exception):
    """A page was asked for without a live session: send the browser to sign in."""


def unauthenticated(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"}
    )


def session_of(request: Request, context: WebContext) -> tuple[Principal, str | None] | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return context.users.resolve_token(secret, "session") if secret else None


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


def api_principal(
    request: Request,
    context: Annotated[WebContext, Depends(get_context)],
    token: Annotated[str | None, Depends(bearer)],
) -> Principal:
    """The caller of an API route: a bearer token, or the page's session cookie.

    A cookie alone never authorises a state-changing request: the page must echo its
    CSRF secret in the ``X-CSRF-Token`` header, which another site cannot read.
    """
    if token:
        resolved = context.users.resolve_token(token, "api")
        if resolved is None:
            raise unauthenticated("the token is invalid, expired or revoked; sign in again")
        request.state.principal = resolved[0]
        return resolved[0]
    session = session_of(request, context)
    if session is None:
        raise unauthenticated("sign in first: no bearer token or session was given")
    principal, csrf = session
    request.state.principal = principal
    if request.method not in SAFE_METHODS and not csrf_matches(
        csrf, request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token")
    return principal


def page_session(
    request: Request, context: Annotated[WebContext, Depends(get_context)]
) -> tuple[Principal, str]:
    """The signed-in person behind a page, with the CSRF secret its forms must carry."""
    session = session_of(request, context)
    if session is None:
        raise SignInRequired
    principal, csrf = session
    request.state.principal = principal
    return principal, csrf or ""


ApiUser = Annotated[Principal, Depends(api_principal)]
PageSession = Annotated[tuple[Principal, str], Depends(page_session)]
Context = Annotated[WebContext, Depends(get_context)]

MAX_AUDITED_PATH = 255


def web_caller(request: Request, principal: Principal) -> Caller:
    """The principal, the client's address, and the request a refusal's record names."""
    address = request.client.host if request.client else "unknown"
    asked = {"method": request.method, "path": request.url.path[:MAX_AUDITED_PATH]}
    return Caller(principal, address, request=asked)


def api_caller(request: Request, principal: ApiUser) -> Caller:
    return web_caller(request, principal)


def page_caller(request: Request, session: PageSession) -> Caller:
    return web_caller(request, session[0])


def unit_of_work(context: Annotated[WebContext, Depends(get_context)]) -> UnitOfWork:
    """A fresh unit of work for the request's use case."""
    return context.services.unit_of_work()


ApiCaller = Annotated[Caller, Depends(api_caller)]
PageCaller = Annotated[Caller, Depends(page_caller)]
Uow = Annotated[UnitOfWork, Depends(unit_of_work)]
