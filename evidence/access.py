"""Who may do what: roles, the signed-in principal, and the rules that decide access.

A ``Principal`` is the identity the rest of the system sees, whatever proved it: a local
password today, an OIDC provider's ID token tomorrow (its claims map to a name, a role
and an officer id). Nothing here knows about HTTP, tokens or databases.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from evidence.errors import InvalidInput, NotFound, PermissionDenied
from evidence.model import EvidenceItem

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_REQUESTED_ID = 64


class Role(StrEnum):
    OFFICER = "officer"
    INVESTIGATOR = "investigator"
    CPS = "cps"
    ADMIN = "admin"
    # The operator at the evidence server's console (EVIDENCE_CONSOLE_ROLE, the default role
    # of the CLI): whoever can run commands there holds the database and the store already, so
    # it may do what every other role may. Never a web account's role.
    CONSOLE = "console"


ACCOUNT_ROLES = (Role.OFFICER, Role.INVESTIGATOR, Role.CPS, Role.ADMIN)


class Permission(StrEnum):
    LIST_ITEMS = "list items"
    SEARCH = "search"
    UPLOAD = "upload"
    VIEW_CASES = "view cases"
    MANAGE_CASES = "manage cases"
    SHARE_CASES = "share cases"
    DOWNLOAD_BUNDLES = "download bundles"
    VIEW_AUDIT = "view the audit trail"
    MANAGE_USERS = "manage users"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset({Permission.LIST_ITEMS, Permission.SEARCH, Permission.UPLOAD}),
    Role.INVESTIGATOR: frozenset(
        {
            Permission.LIST_ITEMS,
            Permission.SEARCH,
            Permission.VIEW_CASES,
            Permission.MANAGE_CASES,
            Permission.SHARE_CASES,
            Permission.DOWNLOAD_BUNDLES,
            Permission.VIEW_AUDIT,
        }
    ),
    Role.CPS: frozenset(
        {
            Permission.LIST_ITEMS,
            Permission.SEARCH,
            Permission.VIEW_CASES,
            Permission.DOWNLOAD_BUNDLES,
        }
    ),
    Role.ADMIN: frozenset({Permission.MANAGE_USERS, Permission.VIEW_AUDIT}),
    Role.CONSOLE: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """A signed-in person: name, role and, for officers, the collar/staff id on their items."""

    name: str
    role: Role
    officer_id: str | None = None

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise PermissionDenied(f"{self.name} ({self.role}) may not {permission}")

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.INVESTIGATOR, Role.CONSOLE)


def parse_role(text: str, allowed: Collection[Role] = ACCOUNT_ROLES) -> Role:
    try:
        role = Role(text.strip().lower())
    except ValueError:
        role = None
    if role is None or role not in allowed:
        raise InvalidInput(f"role {text!r}: use one of {', '.join(role.value for role in allowed)}")
    return role


def check_username(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidInput(
            f"user name {name!r}: 2 to 64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: use at least {MIN_PASSWORD_LENGTH} characters")
    return password


def may_view_item(
    principal: Principal, item: EvidenceItem, shared_item_ids: Collection[str] = ()
) -> bool:
    """Investigators see every item, officers their own, CPS the exhibits of shared cases."""
    if principal.sees_everything:
        return True
    if principal.role is Role.OFFICER:
        return item.officer is not None and item.officer == principal.officer_id
    if principal.role is Role.CPS:
        return item.id in shared_item_ids
    return False


def require_item(
    principal: Principal,
    item: EvidenceItem | None,
    requested: str,
    shared_item_ids: Collection[str] = (),
) -> EvidenceItem:
    """The item if ``principal`` may see it.

    Only investigators learn that an id does not exist; everyone else gets the same
    refusal for a missing item and for someone else's, so the answer leaks nothing.
    """
    if item is not None and may_view_item(principal, item, shared_item_ids):
        return item
    if item is None and principal.sees_everything:
        raise NotFound(f"item {requested}: not found")
    # The audit trail (never the answer) records which item was refused, if it exists.
    target = f"item:{item.id if item is not None else requested[:MAX_REQUESTED_ID]}"
    raise PermissionDenied(f"item {requested}: not available to {principal.name}", target)
