"""Tokens (OAuth2 password flow), user administration and the audit trail."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from entrypoints.web.security import ApiUser, Context
from entrypoints.web.sign_in import LOCKED_MESSAGE, SignInLocked, sign_in_with_password
from evidence.access import Permission, Role
from evidence.audit import verify_audit

router = APIRouter(prefix="/api", tags=["access"])

AUDIT_COLUMNS = ["seq", "at", "actor", "role", "action", "target", "address", "details", "hash"]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_at: str


class NewUser(BaseModel):
    name: str = Field(min_length=2, max_length=64)
    role: Role
    password: str = Field(min_length=10, max_length=1024)
    officer_id: str | None = Field(default=None, max_length=64)


TOKEN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong user name or password, or the account is disabled."},
    429: {
        "description": f"Sign-in locked out: {LOCKED_MESSAGE}.",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the lockout ends.",
                "schema": {"type": "integer"},
            }
        },
    },
}


@router.post("/token", response_model=TokenResponse, responses=TOKEN_REFUSALS)
def issue_token(
    context: Context,
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> TokenResponse:
    """OAuth2 password flow: a bearer token for ``username`` (valid for 8 hours).

    Repeated failures lock the user name (and the address) out for a while: 429.
    """
    try:
        principal = sign_in_with_password(context, request, username, password, "token")
    except SignInLocked as locked:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=LOCKED_MESSAGE,
            headers={"Retry-After": str(locked.retry_after)},
        ) from locked
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong user name or password, or the account is disabled",
            headers={"WWW-Authenticate": "Bearer"},
        )
    issued = context.users.issue_token(principal.name, "api")
    context.audit(request, principal, "sign-in", f"user:{principal.name}", {"via": "token"})
    return TokenResponse(access_token=issued.secret, expires_at=issued.expires_at.isoformat())


@router.get("/me")
def who_am_i(principal: ApiUser) -> dict[str, Any]:
    return {"name": principal.name, "role": principal.role, "officer_id": principal.officer_id}


@router.get("/users")
def list_users(principal: ApiUser, context: Context, request: Request) -> list[dict[str, Any]]:
    principal.require(Permission.MANAGE_USERS)
    accounts = context.users.users()
    context.audit(request, principal, "list-users", "users", {"count": len(accounts)})
    return [account.as_dict() for account in accounts]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def add_user(
    new: NewUser, principal: ApiUser, context: Context, request: Request
) -> dict[str, Any]:
    principal.require(Permission.MANAGE_USERS)
    context.users.add_user(new.name, new.role, new.password, new.officer_id)
    details = {"role": new.role.value, "officer_id": new.officer_id}
    context.audit(request, principal, "add-user", f"user:{new.name}", details)
    return {"name": new.name, "role": new.role}


@router.post("/users/{name}/disable")
def disable_user(name: str, principal: ApiUser, context: Context, request: Request) -> Any:
    principal.require(Permission.MANAGE_USERS)
    context.users.disable_user(name)
    context.audit(request, principal, "disable-user", f"user:{name}")
    return {"name": name, "disabled": True}


@router.get("/audit", responses={200: {"content": {"text/csv": {}}}})
def audit_trail(
    principal: ApiUser,
    context: Context,
    request: Request,
    target: Annotated[str | None, Query(max_length=255)] = None,
    export: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """The audit trail (optionally for one target, e.g. ``item:<id>``), as JSON or CSV."""
    principal.require(Permission.VIEW_AUDIT)
    events = context.users.audit(target)
    problems = verify_audit(context.users.audit()) if target is None else []
    context.audit(request, principal, "export-audit", target or "audit", {"format": export})
    if export == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_COLUMNS)
        for event in events:
            row = event.as_dict()
            writer.writerow([row[column] for column in AUDIT_COLUMNS])
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    body = {
        "events": [event.as_dict() for event in events],
        "chain_intact": None if target else not problems,
        "problems": problems,
    }
    return JSONResponse(body)
