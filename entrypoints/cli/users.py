"""``evidence user``: local accounts for the web app (add, list, disable, unlock).

Each command is a use case of ``evidence.services.users`` run by the console's principal
(EVIDENCE_CONSOLE_ROLE; the default role, ``console``, may manage users), and is recorded
in the audit trail with the console user and host.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.output import JsonFlag, console, print_json, table
from entrypoints.cli.services import at_console, get_services
from evidence.access import parse_role
from evidence.errors import InvalidInput
from evidence.model import iso_utc

if TYPE_CHECKING:
    from evidence.services.caller import Caller
    from storage.unit_of_work import SqlUnitOfWork

user_app = typer.Typer(name="user", help="Web app users and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app)


def _caller() -> Caller:
    return at_console("user")


def _uow() -> SqlUnitOfWork:
    return get_services().unit_of_work()


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
    from evidence.services import users
    from storage.passwords import Argon2Passwords

    caller = _caller()
    new = users.NewUser(name, parse_role(role), _read_password(), officer_id)
    account = users.add_user(_uow(), caller, Argon2Passwords(), new)
    if as_json:
        print_json({"name": account.name, "role": account.role, "officer_id": account.officer_id})
    else:
        console.print(f"added {name} ({account.role})")


@user_app.command("list")
def list_users(as_json: JsonFlag = False) -> None:
    """Every user, with role, officer id and whether the account is disabled."""
    from evidence.services import users

    accounts = users.list_users(_uow(), _caller())
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
    from evidence.services import users

    users.disable_user(_uow(), _caller(), name)
    console.print(f"disabled {name}; their tokens and sessions no longer work")


@user_app.command("unlock")
def unlock(
    name: Annotated[str, typer.Argument(help="The user name whose failed sign-ins to clear.")],
    address: Annotated[
        str | None, typer.Option(help="Also clear this client address's failed sign-ins.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Clear a sign-in lockout (and the failure count) for a user name, and optionally an address.

    Recorded in the audit trail with the console user and host.
    """
    from evidence.services import users

    cleared = users.unlock(_uow(), _caller(), name, address)
    if as_json:
        print_json([entry.as_dict() for entry in cleared])
        return
    for entry in cleared:
        if entry.locked_until:
            console.print(
                f"unlocked {entry.target} (was locked until {iso_utc(entry.locked_until)})"
            )
        elif entry.failures:
            console.print(f"cleared {entry.failures} failed sign-ins of {entry.target}")
        else:
            console.print(f"{entry.target} had no failed sign-ins to clear")


@user_app.command("lockouts")
def lockouts(as_json: JsonFlag = False) -> None:
    """User names and addresses locked out of signing in now, and until when."""
    from evidence.services import users

    locked = [
        {"target": lock.target, "until": iso_utc(lock.until), "lockout_number": lock.lockouts}
        for lock in users.lockouts(_uow(), _caller())
    ]
    if as_json:
        print_json(locked)
        return
    rows = [[entry["target"], entry["until"], entry["lockout_number"]] for entry in locked]
    console.print(table("Sign-in lockouts", ["locked", "until", "lockout number"], rows))
