"""Users, sign-in, tokens and the audit trail as use cases, against in-memory fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from evidence.access import Principal, Role
from evidence.accounts import TokenKind, token_digest
from evidence.audit import verify_audit
from evidence.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SignInLocked
from evidence.services import audit_trail, auth, refusals, users
from evidence.services.caller import Caller, console_caller
from evidence.throttle import SignInRules, ThrottlePolicy
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.fakes.accounts import FakePasswords

PASSWORD = "correct horse battery"
CONSOLE = console_caller("console", user="admin")
ADMIN = Caller(Principal("root", Role.ADMIN), "198.51.100.1")
IVY = Caller(Principal("ivy", Role.INVESTIGATOR), "198.51.100.2")
OFFICER = Caller(Principal("pc4521", Role.OFFICER, "PC4521"), "198.51.100.3")
MINUTE = timedelta(minutes=1)
RULES = SignInRules(
    user=ThrottlePolicy(3, timedelta(minutes=15), MINUTE, 4 * MINUTE),
    address=ThrottlePolicy(5, timedelta(minutes=15), MINUTE, 4 * MINUTE),
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    for name, role in (("ivy", Role.INVESTIGATOR), ("pc4521", Role.OFFICER), ("gone", Role.CPS)):
        users.add_user(uow, CONSOLE, FakePasswords(), users.NewUser(name, role, PASSWORD))
    users.disable_user(uow, CONSOLE, "gone")
    return uow


def attempt(name: str, password: str, address: str = "203.0.113.7") -> auth.Attempt:
    return auth.Attempt(name, password, address, "token", TokenKind.API)


def sign_in(
    uow: FakeUnitOfWork, name: str, password: str, address: str = "203.0.113.7"
) -> auth.SignedIn | None:
    return auth.sign_in(uow, FakePasswords(), RULES, attempt(name, password, address))


def test_adding_a_user_is_audited_and_officers_get_their_collar_id(uow: FakeUnitOfWork) -> None:
    account = uow.users.account("pc4521")
    assert account.officer_id == "PC4521"
    assert uow.users.account("ivy").officer_id is None
    assert ("admin", "add-user", "user:pc4521") in uow.audit.actions()
    assert PASSWORD not in str(uow.audit.chain)
    assert uow.users.hashes["ivy"] != PASSWORD


def test_user_administration_needs_manage_users(uow: FakeUnitOfWork) -> None:
    new = users.NewUser("mallory", Role.ADMIN, PASSWORD)
    for caller in (IVY, OFFICER):
        with pytest.raises(PermissionDenied):
            users.add_user(uow, caller, FakePasswords(), new)
        with pytest.raises(PermissionDenied):
            users.disable_user(uow, caller, "ivy")
        with pytest.raises(PermissionDenied):
            users.list_users(uow, caller)
        with pytest.raises(PermissionDenied):
            users.unlock(uow, caller, "ivy")
    with pytest.raises(PermissionDenied):
        users.add_user(uow, console_caller("investigator"), FakePasswords(), new)
    assert "mallory" not in {a.name for a in uow.users.accounts()}
    listed = users.list_users(uow, ADMIN)
    assert [a.name for a in listed] == ["gone", "ivy", "pc4521"]
    assert uow.audit.chain[-1].details == {"count": 3}


def test_bad_names_passwords_and_duplicates_are_refused_and_nothing_is_kept(
    uow: FakeUnitOfWork,
) -> None:
    events = len(uow.audit.chain)
    with pytest.raises(InvalidInput, match="at least 10"):
        users.add_user(uow, ADMIN, FakePasswords(), users.NewUser("ann", Role.CPS, "short"))
    with pytest.raises(InvalidInput, match="user name"):
        users.add_user(uow, ADMIN, FakePasswords(), users.NewUser("/x", Role.CPS, PASSWORD))
    with pytest.raises(Conflict):
        users.add_user(uow, ADMIN, FakePasswords(), users.NewUser("ivy", Role.CPS, PASSWORD))
    with pytest.raises(NotFound):
        users.disable_user(uow, ADMIN, "nobody")
    assert len(uow.audit.chain) == events
    assert uow.users.account("ivy").role == "investigator"


def test_sign_in_issues_a_token_that_resolves_until_revoked(uow: FakeUnitOfWork) -> None:
    signed_in = sign_in(uow, "ivy", PASSWORD)
    assert signed_in is not None
    assert signed_in.principal == Principal("ivy", Role.INVESTIGATOR)
    secret = signed_in.token.secret
    assert token_digest(secret) in uow.tokens.held and secret not in str(uow.tokens.held)
    assert auth.resolve(uow, secret, TokenKind.API) == auth.Session(signed_in.principal, None)
    # An API token is no session cookie, and the other way round.
    assert auth.resolve(uow, secret, TokenKind.SESSION) is None
    [event] = [e for e in uow.audit.chain if e.action == "sign-in"]
    assert (event.actor, event.target, event.address) == ("ivy", "user:ivy", "203.0.113.7")
    auth.sign_out(uow, secret)
    assert auth.resolve(uow, secret, TokenKind.API) is None


def test_a_session_carries_a_csrf_secret(uow: FakeUnitOfWork) -> None:
    page = auth.Attempt("ivy", PASSWORD, "203.0.113.7", "page", TokenKind.SESSION)
    signed_in = auth.sign_in(uow, FakePasswords(), RULES, page)
    assert signed_in is not None and signed_in.token.csrf
    session = auth.resolve(uow, signed_in.token.secret, TokenKind.SESSION)
    assert session is not None and session.csrf == signed_in.token.csrf


def test_disabling_revokes_every_token_at_once(uow: FakeUnitOfWork) -> None:
    tokens = [sign_in(uow, "pc4521", PASSWORD) for _ in range(2)]
    users.disable_user(uow, ADMIN, "pc4521")
    for signed_in in tokens:
        assert signed_in is not None
        assert auth.resolve(uow, signed_in.token.secret, TokenKind.API) is None
    assert sign_in(uow, "pc4521", PASSWORD) is None


def test_wrong_passwords_lock_the_name_and_the_lock_is_audited(uow: FakeUnitOfWork) -> None:
    assert sign_in(uow, "ivy", "wrong password 1") is None
    assert sign_in(uow, "ivy", "wrong password 2") is None
    with pytest.raises(SignInLocked) as locked:
        sign_in(uow, "ivy", "wrong password 3")
    assert 59 <= locked.value.retry_after <= 60
    # Locked: the right password is refused like a wrong one, and neither is counted.
    with pytest.raises(SignInLocked):
        sign_in(uow, "ivy", PASSWORD)
    failed = [e for e in uow.audit.chain if e.action == "sign-in-failed"]
    assert [e.details.get("user_failures") for e in failed] == [1, 2, 0, None]
    assert failed[-1].details["reason"] == "locked out"
    assert {(e.actor, e.role) for e in failed} == {("anonymous", "none")}
    [lockout] = [e for e in uow.audit.chain if e.action == "sign-in-lockout"]
    assert lockout.target == "user:ivy" and lockout.details["lockout_number"] == 1
    assert "wrong password" not in str(uow.audit.chain)
    assert verify_audit(uow.audit.chain) == []


def test_unknown_disabled_and_known_names_count_alike(uow: FakeUnitOfWork) -> None:
    for name in ("nobody", "gone", "ivy"):
        assert sign_in(uow, name, "not it at all", address=f"192.0.2.{len(name)}") is None
    assert [state.failures for state in uow.throttle.held.values()] == [1] * 6


def test_many_names_from_one_address_lock_the_address(uow: FakeUnitOfWork) -> None:
    for n in range(4):
        assert sign_in(uow, f"guess{n}", "not it at all") is None
    with pytest.raises(SignInLocked):
        sign_in(uow, "guess4", "not it at all")
    with pytest.raises(SignInLocked):
        sign_in(uow, "ivy", PASSWORD)
    assert sign_in(uow, "ivy", PASSWORD, address="198.51.100.9") is not None


def test_a_success_clears_the_names_count_and_unlock_clears_a_lock(uow: FakeUnitOfWork) -> None:
    for _ in range(2):
        assert sign_in(uow, "ivy", "not it at all") is None
    assert sign_in(uow, "ivy", PASSWORD) is not None
    assert uow.throttle.states([("user", "ivy")])[0].failures == 0
    for _ in range(2):
        sign_in(uow, "pc4521", "not it at all", address="192.0.2.1")
    with pytest.raises(SignInLocked):
        sign_in(uow, "pc4521", "not it at all", address="192.0.2.1")
    [lock] = users.lockouts(uow, ADMIN)
    assert lock.target == "user:pc4521"
    [cleared] = users.unlock(uow, CONSOLE, "pc4521")
    assert cleared.target == "user:pc4521" and cleared.locked_until is not None
    assert uow.audit.chain[-1].action == "unlock-sign-in"
    assert uow.audit.chain[-1].address == CONSOLE.address
    assert sign_in(uow, "pc4521", PASSWORD, address="192.0.2.2") is not None
    [again] = users.unlock(uow, CONSOLE, "pc4521")
    assert (again.failures, again.locked_until) == (0, None)


def test_the_audit_trail_needs_view_audit_and_its_reading_is_audited(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(PermissionDenied):
        audit_trail.export_trail(uow, OFFICER)
    assert audit_trail.events_about(uow, OFFICER, "user:ivy") == []
    trail = audit_trail.export_trail(uow, IVY)
    assert trail.chain_intact is True and trail.problems == []
    assert uow.audit.chain[-1].action == "export-audit"
    about = audit_trail.export_trail(uow, ADMIN, "user:gone", "csv")
    assert [e.action for e in about.events] == ["add-user", "disable-user"]
    assert about.chain_intact is None
    assert uow.audit.chain[-1].details == {"format": "csv"}
    shown = audit_trail.recent_events(uow, IVY, limit=2)
    assert [e.seq for e in shown] == [e.seq for e in uow.audit.chain[-3:-1]]
    assert audit_trail.verify_trail(uow, IVY) == []


def test_a_broken_chain_is_reported(uow: FakeUnitOfWork) -> None:
    uow.audit.chain[1] = uow.audit.chain[2]
    trail = audit_trail.export_trail(uow, IVY)
    assert trail.chain_intact is False and trail.problems


def test_a_refusal_is_recorded_with_what_was_refused(uow: FakeUnitOfWork) -> None:
    refusal = PermissionDenied("item x: not available to pc4521", "item:abc")
    asking = replace(OFFICER, request={"method": "GET", "path": "/api/items/abc"})
    refusals.refused(uow, asking, refusal)
    route = PermissionDenied("pc4521 (officer) may not view the audit trail")
    refusals.refused(uow, replace(OFFICER, request={"method": "GET", "path": "/audit"}), route)
    first, second = uow.audit.chain[-2:]
    assert (first.action, first.target, first.details["path"]) == (
        "access-refused",
        "item:abc",
        "/api/items/abc",
    )
    assert second.target == "route:GET /audit"
    assert second.details["reason"] == str(route)
