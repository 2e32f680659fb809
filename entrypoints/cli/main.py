"""``evidence``: the command line. Maps domain errors to exit codes, once.

Typer's standalone mode handles usage mistakes (the usage line, the reason, exit 2) and
``typer.Exit``. This Typer vendors its own click, so ``click.ClickException`` would never
match what it raises; everything else that escapes a command is handled here, without a
traceback for the failures a user can meet: domain errors by their class, and the
operating system's (a full disk, a folder that cannot be made) as storage failures.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from entrypoints.cli import bundles, cases, corrections, inbox, items, log, pool, server
from entrypoints.cli import transcripts as transcript_commands
from entrypoints.cli import uploads as upload_commands
from entrypoints.cli import users as user_commands
from entrypoints.cli import web as web_commands
from entrypoints.cli.exiting import exit_now
from entrypoints.cli.output import err_console
from entrypoints.errors import exit_code
from evidence.errors import EvidenceError, StoreError

app = typer.Typer(
    name="evidence",
    help="Evidence pipeline for body-worn video and 999/101 call recordings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
items.register(app)
corrections.register(app)
app.add_typer(cases.app)
app.add_typer(bundles.app)
app.add_typer(log.app)
app.add_typer(inbox.app)
app.add_typer(upload_commands.app)
app.add_typer(server.app)
transcript_commands.register(app)
user_commands.register(app)
web_commands.register(app)
pool.register(app)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bwv-evidence")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"evidence {package_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    pass


def _fail(error: EvidenceError) -> None:
    err_console.print(f"[bold red]error:[/bold red] {escape(str(error))}", highlight=False)
    sys.exit(exit_code(error))


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, standalone_mode=True)
    except EvidenceError as exc:
        _fail(exc)
    except OSError as exc:
        # What the operating system refused (no space, a folder that cannot be made) where no
        # adapter turned it into a domain error: say what and where, as a storage failure.
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(StoreError(f"{where}{exc.strerror or exc}"))


def run() -> None:
    """The ``evidence`` console script: run the command, then leave at once (``exiting``)."""
    try:
        main()
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    exit_now(code)


if __name__ == "__main__":
    run()
