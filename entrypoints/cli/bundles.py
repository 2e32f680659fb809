"""``evidence bundle ...``: export a case as a signed CPS bundle, and verify one offline.

``verify`` needs nothing but the bundle: it never builds the services or opens a database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from entrypoints.cli.output import JsonFlag, console, err_console, print_json
from evidence.bundle_verify import verify_bundle
from evidence.custody import Actor
from evidence.errors import InvalidInput
from evidence.signing import load_public_key

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
    from storage.bootstrap import get_services
    from storage.case_service import export_case_bundle

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
    as_json: JsonFlag = False,
) -> None:
    """Check every digest, the signature and each exhibit's custody chain; list every problem."""
    pinned = None
    if public_key is not None:
        try:
            pinned = load_public_key(public_key.read_bytes(), str(public_key))
        except OSError as exc:
            raise InvalidInput(f"{public_key}: cannot be read ({exc.strerror})") from exc
    _require_bag_folder(bundle)
    report = verify_bundle(bundle, pinned)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        console.print(
            f"[green]VALID[/green]: {bundle}: case {report.urn}, {report.exhibits} exhibit(s), "
            f"every digest, the signature and every custody chain check out; signer "
            f"{report.signer}",
            highlight=False,
        )
    else:
        console.print(f"[red]INVALID[/red]: {bundle}: {len(report.problems)} problem(s)")
        for problem in report.problems:
            console.print(f" - {problem}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def _require_bag_folder(folder: Path) -> None:
    """Point at the bundle when given the folder that export wrote it into."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: no such folder")
    if (folder / "bagit.txt").exists():
        return
    inside = sorted(p.name for p in folder.iterdir() if (p / "bagit.txt").is_file())
    if inside:
        raise InvalidInput(
            f"{folder}: not a bundle itself (no bagit.txt); it holds {', '.join(inside)}: "
            "verify one of those"
        )
