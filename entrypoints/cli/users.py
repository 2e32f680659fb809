"""``evidence user``: local accounts for the web app (add, list, disable)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from entrypoints.cli.output import console, print_json, table
from evidence.access import parse_role
from evidence.errors import InvalidInput
from storage.bootstrap import get_services
from storage.web_repository import WebRepository

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

user_app = typer.Typer(name="user", help="Web app users and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app)


def _users() -> WebRepository:
    return WebRepository(get_services().engine)


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("no password on standard input; pipe it in or run interactively")
    return line


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The sign-in name.")],
    role: Annotated[str, typer.Option(help="officer, investigator, cps or admin.")],
    officer_id: Annotated[
        str | None,
        typer.Option(help="Collar/staff id on the officer's items (default NAME in capitals)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a user; the password is read from standard input or prompted for."""
    parsed = parse_role(role)
    password = _read_password()
    _users().add_user(name, parsed, password, officer_id)
    principal = _users().principal(name)
    result = {"name": name, "role": parsed.value, "officer_id": principal.officer_id}
    if as_json:
        print_json(result)
    else:
        console.print(f"added {name} ({parsed.value})")


@user_app.command("list")
def list_users(as_json: JsonFlag = False) -> None:
    """Every user, with role, officer id and whether the account is disabled."""
    accounts = _users().users()
    if as_json:
        print_json([account.as_dict() for account in accounts])
        return
    rows = [
        [a.name, a.role, a.officer_id, "disabled" if a.disabled else "active", a.created_at]
        for a in accounts
    ]
    console.print(table("Users", ["name", "role", "officer id", "status", "created"], rows))


@user_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Disable a user and revoke their tokens and sessions at once."""
    _users().disable_user(name)
    console.print(f"disabled {name}; their tokens and sessions no longer work")
