"""``evidence``: the command line. Maps domain errors to exit codes, once.

Typer's standalone mode handles usage mistakes (the usage line, the reason, exit 2) and
``typer.Exit``. This Typer vendors its own click, so ``click.ClickException`` would never
match what it raises; everything else that escapes a command is handled here, without a
traceback for the failures a user can meet: domain errors by their class, and the
operating system's (a full disk, a folder that cannot be made) as storage failures.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape

from entrypoints.cli.exiting import exit_now
from entrypoints.cli.output import err_console
from entrypoints.errors import exit_code
from evidence.errors import EvidenceError, StoreError

# The command modules (``entrypoints.cli.<module>``), in the order ``--help`` lists them, and
# the top-level names each adds. Typer builds every registered command's parameters on every
# run, so a command line that names one of these builds that module's commands only; any
# other (``--help``, ``--version``, a mistyped name) builds them all.
COMMANDS: dict[str, tuple[str, ...]] = {
    "items": ("ingest", "list", "show", "custody", "get", "verify"),
    "corrections": ("correct",),
    "cases": ("case",),
    "bundles": ("bundle",),
    "log": ("log",),
    "inbox": ("inbox",),
    "uploads": ("upload",),
    "server": ("server",),
    "transcripts": ("transcribe", "transcript", "search"),
    "users": ("user",),
    "web": ("serve",),
    "pool": ("deploy", "runs"),
}


def build_app(args: Sequence[str] = ()) -> typer.Typer:
    """The ``evidence`` application, with the commands ``args`` can need (all, by default)."""
    app = typer.Typer(
        name="evidence",
        help="Evidence pipeline for body-worn video and 999/101 call recordings.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    app.callback()(_options)
    named = next((arg for arg in args if not arg.startswith("-")), None)
    modules = [module for module, names in COMMANDS.items() if named in names] or COMMANDS
    for module in modules:
        commands = importlib.import_module(f"entrypoints.cli.{module}")
        if hasattr(commands, "register"):
            commands.register(app)
        else:
            app.add_typer(commands.app)
    return app


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
        args = sys.argv[1:] if argv is None else argv
        build_app(args)(args=args, standalone_mode=True)
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
