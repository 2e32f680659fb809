"""Who is asking: bearer tokens for the API, session cookies (with CSRF) for the pages.

A session cookie alone never authorises a state-changing request: the page must send back
its CSRF secret (the ``X-CSRF-Token`` header, or the ``csrf_token`` field of a form), which
another site cannot read. That check lives in one dependency, ``checked_session``, beneath
every route that takes a session, so no route can forget it; a refusal is audited.
"""

from __future__ import annotations

import hmac
import socket
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from entrypoints.web.context import WebContext, client_address, get_context
from evidence.access import Principal
from evidence.accounts import Session, TokenKind
from evidence.errors import PermissionDenied
from evidence.ports import UnitOfWork
from evidence.services import auth
from evidence.services.caller import Caller

SESSION_COOKIE = "evidence_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM = "application/x-www-form-urlencoded"
CSRF_REFUSED = (
    "missing or wrong CSRF token: the form expired or was not sent from this site; "
    "reload the page and try again"
)

bearer = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


class SignInRequired(Exception):
    """A page was asked for without a live session: send the browser to sign in."""


def unauthenticated(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"}
    )


def unit_of_work(context: Annotated[WebContext, Depends(get_context)]) -> UnitOfWork:
    """A fresh unit of work for this request's use cases (each service begins and ends it)."""
    return context.services.unit_of_work()


Uow = Annotated[UnitOfWork, Depends(unit_of_work)]


def cookie_session(request: Request, uow: Uow) -> Session | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return auth.resolve(uow, secret, TokenKind.SESSION) if secret else None


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


async def checked_session(
    request: Request, session: Annotated[Session | None, Depends(cookie_session)]
) -> Session | None:
    """The request's browser session, its CSRF secret checked when the request changes
    anything. A request carrying a bearer token is the API's and needs none: another site
    cannot make a browser send one."""
    if session is None or request.method in SAFE_METHODS or _bearer_given(request):
        return session
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(FORM):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(session.csrf, given):
        # Set so that the refusal is audited with who was refused.
        request.state.principal = session.principal
        raise PermissionDenied(CSRF_REFUSED)
    return session


CheckedSession = Annotated[Session | None, Depends(checked_session)]


def _bearer_given(request: Request) -> bool:
    return request.headers.get("authorization", "").lower().startswith("bearer ")


def api_principal(
    request: Request,
    uow: Uow,
    token: Annotated[str | None, Depends(bearer)],
    session: CheckedSession,
) -> Principal:
    """The caller of an API route: a bearer token, or the page's session cookie."""
    if token:
        resolved = auth.resolve(uow, token, TokenKind.API)
        if resolved is None:
            raise unauthenticated("the token is invalid, expired or revoked; sign in again")
    elif session is not None:
        resolved = session
    else:
        raise unauthenticated("sign in first: no bearer token or session was given")
    request.state.principal = resolved.principal
    return resolved.principal


def page_session(request: Request, session: CheckedSession) -> tuple[Principal, str]:
    """The signed-in person behind a page, with the CSRF secret its forms must carry."""
    if session is None:
        raise SignInRequired
    request.state.principal = session.principal
    return session.principal, session.csrf or ""


ApiUser = Annotated[Principal, Depends(api_principal)]
PageSession = Annotated[tuple[Principal, str], Depends(page_session)]
Context = Annotated[WebContext, Depends(get_context)]

MAX_AUDITED_PATH = 255


def web_caller(request: Request, principal: Principal) -> Caller:
    """The principal, the client's address (the proxy's client, when ``evidence serve
    --trusted-proxy`` names the proxy), and the request a refusal's record names."""
    address = client_address(request)
    asked = {"method": request.method, "path": request.url.path[:MAX_AUDITED_PATH]}
    # The custody log's "where" for web work, as it has always been written.
    host = f"{socket.gethostname()} (web app, from {address})"
    return Caller(principal, address, host, request=asked)


def api_caller(request: Request, principal: ApiUser) -> Caller:
    return web_caller(request, principal)


def page_caller(request: Request, session: PageSession) -> Caller:
    return web_caller(request, session[0])


ApiCaller = Annotated[Caller, Depends(api_caller)]
PageCaller = Annotated[Caller, Depends(page_caller)]
