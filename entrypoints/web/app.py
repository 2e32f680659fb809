"""The FastAPI app factory: routers, templates, static files, and errors mapped to statuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from entrypoints.errors import http_status
from entrypoints.web import (
    api_auth,
    api_cases,
    api_items,
    api_search,
    api_uploads,
    pages,
    pages_cases,
)
from entrypoints.web.context import STATIC_DIR, TEMPLATES_DIR, WebContext
from entrypoints.web.headers import SecurityHeaders
from entrypoints.web.ranges import RangeNotSatisfiable
from entrypoints.web.security import SignInRequired, web_caller
from entrypoints.web.upload_worker import UploadWorker
from evidence.access import Principal
from evidence.errors import EvidenceError, PermissionDenied
from evidence.search import MARK_END, MARK_START
from evidence.services.refusals import refused
from evidence.throttle import sign_in_rules
from storage.bootstrap import Services, get_services
from storage.passwords import Argon2Passwords


def create_app(services: Services | None = None) -> FastAPI:
    """The web app on the same settings, database and store as the CLI."""
    services = services or get_services()
    worker = UploadWorker(services)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker.resume()
        yield
        worker.stop()

    app = FastAPI(
        title="Evidence pipeline",
        summary="Body-worn video and 999 call evidence: search, items, cases and bundles.",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI and ReDoc load scripts from a CDN and run inline script, which the
        # Content-Security-Policy forbids; the spec itself stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(SecurityHeaders)
    app.state.upload_worker = worker
    app.state.context = WebContext(
        services=services,
        templates=templates(),
        passwords=Argon2Passwords(),
        sign_in_rules=sign_in_rules(services.settings),
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (api_auth, api_items, api_uploads, api_search, api_cases, pages, pages_cases):
        app.include_router(module.router)
    app.add_exception_handler(EvidenceError, _evidence_error)
    app.add_exception_handler(RangeNotSatisfiable, _range_error)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def templates() -> Jinja2Templates:
    environment = Jinja2Templates(directory=str(TEMPLATES_DIR))
    environment.env.filters["marked"] = marked_snippet
    environment.env.filters["clock"] = clock
    return environment


def marked_snippet(snippet: str) -> Markup:
    """The search snippet, escaped, with its « » term marks turned into <mark>."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S704


def clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str) -> Response:
    context: WebContext = request.app.state.context
    return context.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def _evidence_error(request: Request, exc: Exception) -> Response:
    """Run in a worker thread (a plain function): recording a refusal writes to the database.
    A service records its own refusals (``recorded``); the rest are recorded here."""
    assert isinstance(exc, EvidenceError)
    if isinstance(exc, PermissionDenied) and not exc.recorded:
        _audit_refusal(request, exc)
    status = http_status(exc)
    if _wants_page(request):
        return _error_page(request, status, str(exc))
    return JSONResponse({"detail": str(exc)}, status_code=status)


def _audit_refusal(request: Request, refusal: PermissionDenied) -> None:
    """A signed-in person refused is an audit event (``refusals.refused``), naming the
    route and method asked for."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        return
    context: WebContext = request.app.state.context
    with context.services.unit_of_work() as uow:
        refused(uow, web_caller(request, principal), refusal)


async def _range_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RangeNotSatisfiable)
    return JSONResponse(
        {"detail": str(exc)}, status_code=416, headers={"Content-Range": f"bytes */{exc.size}"}
    )


async def _sign_in(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _wants_page(request):
        return _error_page(request, exc.status_code, str(exc.detail))
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
