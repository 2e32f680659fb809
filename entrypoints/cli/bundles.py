"""``evidence bundle ...``: export a case as a signed CPS bundle, and verify one offline.

``verify`` needs nothing but the bundle: it never builds the services or opens a database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from entrypoints.cli.output import JsonFlag, console, err_console, print_json
from evidence.custody import Actor
from evidence.errors import FixityError, InvalidInput

app = typer.Typer(
    name="bundle", help="CPS evidence bundles: export and verify.", no_args_is_help=True
)


@app.command()
def export(
    urn: Annotated[str, typer.Argument(help="Case URN.")],
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    officer: Annotated[str | None, typer.Option(help="Your collar/staff id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the case's exhibits as a signed BagIt bundle the CPS can verify offline."""
    from bundle_verifier.bundle import verify_bundle
    from storage.bootstrap import get_services
    from storage.case_export import export_case_bundle

    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir}: not a folder")
    bundle = export_case_bundle(get_services(), urn, out_dir, Actor.current(officer))
    report = verify_bundle(bundle)
    if as_json:
        print_json({"bundle": str(bundle), **report.as_dict()})
    else:
        console.print(f"bundle written to {bundle}")
        console.print(f"{report.exhibits} exhibit(s), signed by key {report.signer}")
    if not report.ok:
        for problem in report.problems:
            err_console.print(f"[red]problem:[/red] {problem}", highlight=False)
        raise typer.Exit(1)


@app.command()
def verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle's folder.")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="PEM public key the bundle must be signed with."),
    ] = None,
    tsa_ca: Annotated[
        list[Path] | None,
        typer.Option("--tsa-ca", help="PEM certificate(s) of a trusted time-stamping authority."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check every digest, the signature, each custody chain and the log proofs; list problems.

    The same checks as the standalone ``bundle-verify`` command, which needs nothing of ours.
    """
    from bundle_verifier.bundle import verify_bundle
    from bundle_verifier.cli import read_pinned_key, read_tsa_roots, require_bag_folder, summary
    from bundle_verifier.errors import BadInput

    try:
        pinned = read_pinned_key(public_key)
        roots = read_tsa_roots(tsa_ca or [])
        require_bag_folder(bundle)
    except BadInput as exc:
        raise InvalidInput(str(exc)) from exc
    report = verify_bundle(bundle, pinned, roots)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        console.print(summary(report).replace("VALID", "[green]VALID[/green]", 1), highlight=False)
    else:
        console.print(f"[red]INVALID[/red]: {bundle}: {len(report.problems)} problem(s)")
        for problem in report.problems:
            console.print(f" - {problem}", highlight=False)
    if not as_json:
        for note in report.notes:
            console.print(f"note: {note}", highlight=False)
    if not report.ok:
        raise FixityError(f"{bundle}: {len(report.problems)} problem(s); it does not verify")
