"""``evidence``: the command line. Maps domain errors to exit codes, once."""

from __future__ import annotations

import sys

import click
import typer

from entrypoints.cli import bundles, cases, items, log
from entrypoints.cli import transcripts as transcript_commands
from entrypoints.cli import users as user_commands
from entrypoints.cli import web as web_commands
from entrypoints.cli.output import err_console
from entrypoints.errors import exit_code
from evidence.errors import EvidenceError

app = typer.Typer(
    name="evidence",
    help="Evidence pipeline for body-worn video and 999/101 call recordings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
items.register(app)
app.add_typer(cases.app)
app.add_typer(bundles.app)
app.add_typer(log.app)
transcript_commands.register(app)
user_commands.register(app)
web_commands.register(app)


def main(argv: list[str] | None = None) -> None:
    try:
        result = app(args=argv, standalone_mode=False)
    except EvidenceError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        sys.exit(exit_code(exc))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
