"""Who calls a use case from the web, and the unit of work it runs in: route dependencies.

The caller is the signed-in principal, the client's address (the audit trail's ``where``)
and the web app's host as the custody log names it; a refusal names the request's method
and path.
"""

from __future__ import annotations

import socket
from typing import Annotated

from fastapi import Depends, Request

from entrypoints.web.context import client_address
from entrypoints.web.security import ApiUser, Context, PageSession
from evidence.access import Principal
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller

MAX_AUDITED_PATH = 255


def web_caller(request: Request, principal: Principal) -> Caller:
    address = client_address(request)
    return Caller(
        principal=principal,
        address=address,
        host=f"{socket.gethostname()} (web app, from {address})",
        request=(request.method, request.url.path[:MAX_AUDITED_PATH]),
    )


def api_caller(request: Request, principal: ApiUser) -> Caller:
    return web_caller(request, principal)


def page_caller(request: Request, session: PageSession) -> Caller:
    return web_caller(request, session[0])


def unit_of_work(context: Context) -> UnitOfWork:
    return context.services.unit_of_work()


ApiCaller = Annotated[Caller, Depends(api_caller)]
PageCaller = Annotated[Caller, Depends(page_caller)]
Work = Annotated[UnitOfWork, Depends(unit_of_work)]
