"""``evidence user``: local accounts for the web app (add, list, disable, unlock)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from entrypoints.cli.output import JsonFlag, console, print_json, table
from entrypoints.cli.services import get_services
from evidence.access import parse_role
from evidence.custody import Actor
from evidence.errors import InvalidInput
from evidence.model import iso_utc, utcnow
from evidence.throttle import ThrottleState

if TYPE_CHECKING:
    from storage.sign_in_throttle import SignInThrottle
    from storage.web_repository import WebRepository

user_app = typer.Typer(name="user", help="Web app users and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app)


def _users() -> WebRepository:
    from storage.web_repository import WebRepository

    return WebRepository(get_services().engine)


def _throttle() -> SignInThrottle:
    from storage.sign_in_throttle import SignInThrottle

    services = get_services()
    return SignInThrottle(services.engine, services.settings)


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
    _console_audit("add-user", f"user:{name}", result)
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
    _console_audit("disable-user", f"user:{name}", {"name": name})
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
    throttle = _throttle()
    from storage.sign_in_throttle import ADDRESS, USER

    targets = [(USER, name)] + ([(ADDRESS, address)] if address else [])
    cleared = [_cleared(kind, key, throttle.clear(kind, key)) for kind, key in targets]
    for entry in cleared:
        _console_audit("unlock-sign-in", entry["target"], entry)
    if as_json:
        print_json(cleared)
        return
    for entry in cleared:
        if entry["locked_until"]:
            console.print(f"unlocked {entry['target']} (was locked until {entry['locked_until']})")
        elif entry["failures"]:
            console.print(f"cleared {entry['failures']} failed sign-ins of {entry['target']}")
        else:
            console.print(f"{entry['target']} had no failed sign-ins to clear")


@user_app.command("lockouts")
def lockouts(as_json: JsonFlag = False) -> None:
    """User names and addresses locked out of signing in now, and until when."""
    locked = [
        {"target": lock.target, "until": iso_utc(lock.until), "lockout_number": lock.lockouts}
        for lock in _throttle().locked(utcnow())
    ]
    if as_json:
        print_json(locked)
        return
    rows = [[entry["target"], entry["until"], entry["lockout_number"]] for entry in locked]
    console.print(table("Sign-in lockouts", ["locked", "until", "lockout number"], rows))


def _cleared(kind: str, key: str, state: ThrottleState | None) -> dict[str, Any]:
    held = state or ThrottleState()
    until = held.locked_until if held.is_locked(utcnow()) else None
    return {
        "target": f"{kind}:{key}",
        "failures": held.failures,
        "locked_until": iso_utc(until) if until else None,
    }


def _console_audit(action: str, target: str, details: dict[str, Any]) -> None:
    """Account changes made at the console go into the same audit trail as the web app's."""
    actor = Actor.current()
    _users().record_as(actor.name[:64], "console", action, target, actor.host[:64], details)
