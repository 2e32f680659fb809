"""``evidence upload``: web upload jobs seen from the console (a failed job run again)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from entrypoints.cli.output import JsonFlag, console, print_json, table
from entrypoints.cli.services import get_services
from evidence.errors import Conflict

app = typer.Typer(name="upload", help="Web upload jobs.", no_args_is_help=True)


@app.command("list")
def list_jobs(
    failed: Annotated[bool, typer.Option("--failed", help="Only the failed jobs.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many.", min=1)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Upload jobs, newest first: status, uploader, attempts, reason."""
    from flows.upload import upload_jobs

    jobs = upload_jobs(get_services()).newest(None, limit)
    shown = [job.as_dict() for job in jobs if not failed or job.status.value == "failed"]
    if as_json:
        print_json(shown)
        return
    rows = [
        [j["id"], j["status"], j["user"], len(j["files"]), j["attempts"], j["reason"]]
        for j in shown
    ]
    columns = ["job", "status", "uploader", "files", "tries", "reason"]
    console.print(table("Upload jobs", columns, rows))


@app.command()
def retry(
    job_id: Annotated[str, typer.Argument(help="The failed job's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Ingest a failed job's kept files again (here, or on the pool when uploads go there).

    Recorded in the audit trail with the console user and host.
    """
    from entrypoints.web.upload_worker import UploadWorker
    from evidence.services.caller import console_caller
    from evidence.services.uploads import retry_upload
    from flows.upload import upload_jobs

    services = get_services()
    jobs = upload_jobs(services)
    held = jobs.get(job_id)
    if held is not None and held.status.value == "failed" and not Path(held.dock).is_dir():
        raise Conflict(f"upload {job_id}: its received files are no longer kept; upload again")
    caller = console_caller(services.settings.console_role, command="upload retry")
    _, job = retry_upload(services.unit_of_work(), caller, jobs, job_id)
    UploadWorker(services).run(job.id)
    after = jobs.get(job.id)
    result = after.as_dict() if after else {}
    if as_json:
        print_json(result)
    else:
        console.print(f"upload {job.id}: {result.get('status')} {result.get('reason') or ''}")
    if result.get("status") == "failed":
        raise typer.Exit(1)
