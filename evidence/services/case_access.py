"""Who sees which case: investigators (and the console) every case, the CPS the cases
shared with them, everyone else none. A refusal is recorded in the audit trail."""

from __future__ import annotations

from evidence.access import Permission, Principal
from evidence.cases import Case, validate_urn
from evidence.errors import PermissionDenied
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller
from evidence.services.refusals import refused, require


def visible_case(
    uow: UnitOfWork,
    caller: Caller,
    urn: str,
    permission: Permission = Permission.VIEW_CASES,
    *,
    lock: bool = False,
) -> Case:
    """The case, if the caller's role grants ``permission`` and the caller may see it.

    Only those who see every case learn that a URN does not exist; a CPS user is refused
    alike for a case not shared with them and for one that is not there.
    """
    for needed in dict.fromkeys((permission, Permission.VIEW_CASES)):
        require(uow, caller, needed, f"case:{urn}")
    principal = caller.principal
    if principal.sees_everything:
        return uow.cases.get(urn, lock=lock)
    found = validate_urn(urn)
    if found not in uow.cases.shared_cases(principal.name):
        refusal = PermissionDenied(f"case {urn}: not shared with {principal.name}", f"case:{found}")
        raise refused(uow, caller, refusal, f"case:{found}")
    return uow.cases.get(found, lock=lock)


def visible_cases(uow: UnitOfWork, principal: Principal, cases: list[Case]) -> list[Case]:
    """The cases of ``cases`` that ``principal`` may see (their role grants VIEW_CASES)."""
    if principal.sees_everything:
        return cases
    shared = uow.cases.shared_cases(principal.name)
    return [case for case in cases if case.urn in shared]
