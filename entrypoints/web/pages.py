"""Server-rendered pages: sign-in, items, the item player, uploads."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from entrypoints.web.security import SESSION_COOKIE, Context, PageCaller, PageSession, Uow
from entrypoints.web.sign_in import sign_in_with_password
from evidence.access import Permission, Principal, Role
from evidence.accounts import TOKEN_LIFETIME, TokenKind
from evidence.errors import SignInLocked
from evidence.search import SearchFilters
from evidence.services import audit_trail, auth, items, search

router = APIRouter(include_in_schema=False)


def render(
    request: Request,
    context: Context,
    template: str,
    session: tuple[Principal, str] | None,
    values: dict[str, Any],
    status_code: int = 200,
) -> Response:
    principal, csrf = session if session else (None, "")
    page = {"user": principal, "csrf": csrf, "Permission": Permission, **values}
    return context.templates.TemplateResponse(request, template, page, status_code=status_code)


def safe_next(target: str | None) -> str:
    """Only a path on this site, so sign-in cannot be used to redirect elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def same_origin(request: Request) -> bool:
    """Whether a form was posted from one of our own pages.

    Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` even from our own
    pages, so the browser's ``Sec-Fetch-Site`` decides when it is sent; ``null`` (also what
    a sandboxed frame on another site sends) is never taken as ours.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.url.netloc


@router.get("/signin")
def sign_in_page(request: Request, context: Context, next: str = "/") -> Response:
    return render(request, context, "signin.html", None, {"next": safe_next(next)})


@router.post("/signin")
def sign_in(
    request: Request,
    context: Context,
    uow: Uow,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if not same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign-in from another site is refused")
    try:
        signed_in = sign_in_with_password(
            context, uow, request, (username, password), TokenKind.SESSION
        )
    except SignInLocked as locked:
        return locked_out_page(request, context, username, next, locked.retry_after)
    if signed_in is None:
        values = {
            "next": safe_next(next),
            "error": "Wrong user name or password.",
            "name": username,
        }
        return render(request, context, "signin.html", None, values, status_code=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token.secret,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(TOKEN_LIFETIME.total_seconds()),
    )
    return response


def locked_out_page(
    request: Request, context: Context, username: str, next: str, retry_after: int
) -> Response:
    minutes = max(1, -(-retry_after // 60))
    error = (
        "Too many failed sign-ins for this user name or from this address. "
        f"Try again in {minutes} minute{'s' if minutes > 1 else ''}, "
        "or ask an administrator to unlock the account."
    )
    values = {"next": safe_next(next), "error": error, "name": username}
    response = render(request, context, "signin.html", None, values, status_code=429)
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/signout")
def sign_out(request: Request, uow: Uow, session: PageSession) -> Response:
    """The form's CSRF secret is checked beneath ``PageSession``, as for every form."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        auth.sign_out(uow, secret)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(session: PageSession) -> Response:
    principal = session[0]
    if principal.role is Role.ADMIN:
        return RedirectResponse("/audit", status_code=303)
    if principal.role is Role.OFFICER:
        return RedirectResponse("/items", status_code=303)
    return RedirectResponse("/search", status_code=303)


@router.get("/items")
def items_page(
    request: Request, context: Context, session: PageSession, caller: PageCaller, uow: Uow
) -> Response:
    listed = items.list_items(uow, caller, 200, {"page": True})
    return render(request, context, "items.html", session, {"items": listed})


@router.get("/items/{item_id}")
def item_page(
    item_id: str,
    request: Request,
    context: Context,
    session: PageSession,
    caller: PageCaller,
    uow: Uow,
    t: float = 0.0,
) -> Response:
    page = items.item_page(uow, caller, item_id)
    values = {
        "item": page.item,
        "start": max(0.0, t),
        "custody": page.custody,
        "segments": page.segments,
        "audit": page.audit,
    }
    return render(request, context, "item.html", session, values)


@router.get("/upload")
def upload_page(request: Request, context: Context, session: PageSession) -> Response:
    session[0].require(Permission.UPLOAD)
    return render(request, context, "upload.html", session, {})


@router.get("/audit")
def audit_page(
    request: Request, context: Context, uow: Uow, session: PageSession, caller: PageCaller
) -> Response:
    events = audit_trail.recent_events(uow, caller, limit=300)
    return render(request, context, "audit.html", session, {"events": reversed(events)})


@router.get("/search")
def search_page(
    request: Request,
    context: Context,
    session: PageSession,
    caller: PageCaller,
    uow: Uow,
    q: str = "",
) -> Response:
    """Hits grouped by item, each a link that opens the player at that second."""
    session[0].require(Permission.SEARCH)
    groups: dict[str, list[Any]] = {}
    found: dict[str, Any] = {}
    if q.strip():
        groups, found = search.search_by_item(uow, caller, q.strip()[:500], SearchFilters())
    values = {"q": q, "groups": groups, "items": found, "searched": bool(q.strip())}
    return render(request, context, "search.html", session, values)
