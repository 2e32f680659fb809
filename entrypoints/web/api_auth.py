"""Tokens (OAuth2 password flow), user administration and the audit trail."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from entrypoints.web.security import ApiCaller, ApiUser, Context, Uow
from entrypoints.web.sign_in import sign_in_with_password
from evidence.access import Role
from evidence.accounts import TokenKind, UserAccount
from evidence.errors import SignInLocked
from evidence.services import audit_trail, users
from evidence.services.auth import LOCKED_MESSAGE

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


class Me(BaseModel):
    name: str
    role: Role
    officer_id: str | None


class Account(BaseModel):
    name: str
    role: Role
    officer_id: str | None
    disabled: bool
    created_at: str

    @classmethod
    def of(cls, account: UserAccount) -> Account:
        return cls.model_validate(account.as_dict())


class AddedUser(BaseModel):
    name: str
    role: Role


class DisabledUser(BaseModel):
    name: str
    disabled: bool


class AuditEventOut(BaseModel):
    seq: int
    at: str
    actor: str
    role: str
    action: str
    target: str
    address: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    format: int | None = Field(
        default=None, description="Absent on format-1 events, which were hashed without it."
    )


class AuditTrailOut(BaseModel):
    events: list[AuditEventOut]
    chain_intact: bool | None = Field(description="Null when only one target's events are shown.")
    problems: list[str]


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
    uow: Uow,
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> TokenResponse:
    """OAuth2 password flow: a bearer token for ``username`` (valid for 8 hours).

    Repeated failures lock the user name (and the address) out for a while: 429.
    """
    try:
        signed_in = sign_in_with_password(
            context, uow, request, (username, password), TokenKind.API
        )
    except SignInLocked as locked:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=LOCKED_MESSAGE,
            headers={"Retry-After": str(locked.retry_after)},
        ) from locked
    if signed_in is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong user name or password, or the account is disabled",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = signed_in.token
    return TokenResponse(access_token=token.secret, expires_at=token.expires)


@router.get("/me", response_model=Me)
def who_am_i(principal: ApiUser) -> Me:
    return Me(name=principal.name, role=principal.role, officer_id=principal.officer_id)


@router.get("/users", response_model=list[Account])
def list_users(caller: ApiCaller, uow: Uow) -> list[Account]:
    return [Account.of(account) for account in users.list_users(uow, caller)]


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=AddedUser)
def add_user(new: NewUser, caller: ApiCaller, uow: Uow, context: Context) -> AddedUser:
    wanted = users.NewUser(new.name, new.role, new.password, new.officer_id)
    account = users.add_user(uow, caller, context.passwords, wanted)
    return AddedUser(name=account.name, role=Role(account.role))


@router.post("/users/{name}/disable", response_model=DisabledUser)
def disable_user(name: str, caller: ApiCaller, uow: Uow) -> DisabledUser:
    users.disable_user(uow, caller, name)
    return DisabledUser(name=name, disabled=True)


@router.get(
    "/audit",
    response_model=AuditTrailOut,
    responses={200: {"content": {"text/csv": {}}}},
)
def audit_trail_export(
    caller: ApiCaller,
    uow: Uow,
    target: Annotated[str | None, Query(max_length=255)] = None,
    export: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """The audit trail (optionally for one target, e.g. ``item:<id>``), as JSON or CSV."""
    trail = audit_trail.export_trail(uow, caller, target, export)
    if export == "csv":
        return Response(
            _csv(trail.events),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    # The events exactly as hashed (a format-1 event has no ``format``), so an export can be
    # checked against the chain by anyone.
    body = {
        "events": [event.as_dict() for event in trail.events],
        "chain_intact": trail.chain_intact,
        "problems": trail.problems,
    }
    return JSONResponse(body)


def _csv(events: list[Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    for event in events:
        row = event.as_dict()
        writer.writerow([row[column] for column in AUDIT_COLUMNS])
    return buffer.getvalue()
