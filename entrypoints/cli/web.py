"""``evidence serve``: the investigator web app on the same settings, database and store."""

from __future__ import annotations

from typing import Annotated

import typer

from entrypoints.cli.output import err_console


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            help="Reverse proxy address(es), comma-separated, whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed: the audit trail and sign-in throttling then see "
            "the real client, and behind TLS the session cookie is Secure and HSTS is sent."
        ),
    ] = None,
) -> None:
    """Start the web app and its JSON API (OpenAPI spec at /openapi.json)."""
    import uvicorn

    from entrypoints.prefect_env import prepare
    from entrypoints.web.app import create_app

    prepare()
    app = create_app()
    err_console.print(f"Evidence web app on http://{host}:{port}/ (API spec: /openapi.json)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=trusted_proxy is not None,
        forwarded_allow_ips=trusted_proxy,
        log_level="info",
    )
