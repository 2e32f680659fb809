"""``evidence log ...``: the transparency log's checkpoints and proofs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from entrypoints.cli.output import JsonFlag, console, print_json, short, table
from entrypoints.cli.services import get_services
from evidence.errors import FixityError

app = typer.Typer(
    name="log",
    help="The transparency log: signed checkpoints and proofs of custody and audit events.",
    no_args_is_help=True,
)


@app.command()
def checkpoint(as_json: JsonFlag = False) -> None:
    """Sign the log as it stands and write the checkpoint to the store (if anything is new)."""
    from evidence.services import log

    services = get_services()
    written = log.checkpoint(services.unit_of_work(), services.installation())
    result: dict[str, Any] = (
        {"checkpoint": None, "tree_size": 0}
        if written is None
        else {"checkpoint": written.key, "tree_size": written.size, "root": written.root.hex()}
    )
    if as_json:
        print_json(result)
    elif written is None:
        console.print("the log is empty; no checkpoint was written")
    else:
        console.print(f"checkpoint {written.key}: {written.size} entries", highlight=False)


@app.command()
def prove(
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    as_json: JsonFlag = False,
) -> None:
    """Inclusion proofs of an item's custody events against the newest checkpoint."""
    from evidence.services import log
    from evidence.services.caller import console_caller
    from evidence.settings import get_settings

    services = get_services()
    caller = console_caller(get_settings().console_role)
    report = log.prove_item(services.unit_of_work(), caller, services.installation(), item_id)
    if as_json:
        print_json(report)
    else:
        console.print(
            f"item {report['item_id']} against checkpoint {report['checkpoint']} "
            f"({report['tree_size']} entries)",
            highlight=False,
        )
        rows = [
            [e["seq"], e["action"], short(e["hash"]), e["leaf_index"], e["status"]]
            for e in report["events"]
        ]
        console.print(table("Inclusion", ["#", "what", "hash", "leaf", "result"], rows))
    failed = [
        e for e in report["events"] if e["status"] in ("proof does not hold", "not in the log")
    ]
    if failed:
        raise FixityError(
            f"item {report['item_id']}: "
            + "; ".join(f"event {e['seq']} ({e['action']}): {e['status']}" for e in failed)
        )


@app.command()
def check(as_json: JsonFlag = False) -> None:
    """Consistency proofs between every pair of consecutive checkpoints in the store."""
    from evidence.services import log

    services = get_services()
    report = log.check_log_checkpoints(services.unit_of_work(), services.installation())
    if as_json:
        print_json(report)
    elif not report["problems"]:
        console.print(
            f"[green]OK[/green]: {report['checkpoints']} checkpoint(s), each consecutive pair "
            f"consistent ({report['pairs_checked']} checked)"
        )
    if report["problems"]:
        raise FixityError("; ".join(report["problems"]))
