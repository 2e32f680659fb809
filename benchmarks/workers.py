"""One worker against two on a transcription backlog, on a real pool.

Starts a Prefect server on a fresh PostgreSQL database (127.0.0.1:5432, user postgres),
registers the deployments (``flows.deploy``, schedules paused), and for 1 and then 2 workers:
a fresh evidence database and store, a backlog of espeak-ng recordings ingested without
transcription, one ``transcribe-item`` run submitted per item, and the wall time until every
item has its transcript. Each worker runs one flow run at a time with faster-whisper on one
thread (``--limit 1``, ``EVIDENCE_WHISPER_CPU_THREADS=1``), so two workers on two cores are
two transcription hosts of one core each. Prints both times, the ratio and the real-time
factor of the backlog. Run: ``python benchmarks/workers.py [--items N]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SENTENCES = [
    "Police emergency. My partner is threatening me with a knife.",
    "I am at fourteen Acacia Avenue. Please hurry.",
    "He pushed me against the kitchen door and said he would kill me.",
    "The suspect ran towards the railway station wearing a grey hoodie.",
    "There is a red car parked outside with the engine running.",
    "My neighbour has been shouting for an hour and I heard glass breaking.",
]


def database(name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", *command],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def make_backlog(dock: Path, items: int) -> float:
    """``items`` recordings of all the sentences, each a different order; returns seconds."""
    from entrypoints.sample_dock import speech_wav

    dock.mkdir()
    for n in range(items):
        order = SENTENCES[n % len(SENTENCES) :] + SENTENCES[: n % len(SENTENCES)]
        speech_wav(f"Recording {n}. " + " ".join(order), dock / f"call-{n:02d}.wav")
    import av

    total = 0.0
    for path in dock.iterdir():
        with av.open(str(path)) as container:
            total += float(container.duration or 0) / 1_000_000
    return total


def run_round(workers: int, api: str, dock: Path, scratch: Path) -> float:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from evidence.dock import scan
    from evidence.ingest import IngestOptions
    from flows.runs import submit_transcriptions
    from storage.bootstrap import get_services, reset_services

    def pending_item_ids(services: Any) -> list[str]:
        with services.unit_of_work() as uow:
            return uow.transcripts.pending_item_ids()

    name = f"evidence_bench_{uuid.uuid4().hex[:8]}"
    env = {
        "EVIDENCE_HOME": str(scratch / f"home-{workers}"),
        "EVIDENCE_DATABASE_URL": database(name),
        "EVIDENCE_WHISPER_CPU_THREADS": "1",
        "PREFECT_API_URL": api,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    os.environ.update(env)
    reset_services()
    services = get_services()
    ids = []
    for entry in scan(dock):
        outcome = services.ingestor().ingest(
            dock, entry.relative_path, entry.sidecar, IngestOptions(kind="call")
        )
        ids.append(str(outcome.id))
    pool = [
        start(
            ["prefect", "worker", "start", "--pool", "evidence", "--limit", "1", "--name", f"b{n}"],
            env,
            scratch / f"worker-{workers}-{n}.log",
        )
        for n in range(workers)
    ]
    try:
        time.sleep(5)  # the workers are up and polling
        began = time.monotonic()
        with temporary_settings(updates={PREFECT_API_URL: api}):
            submit_transcriptions(ids)
        while pending_item_ids(get_services()):
            time.sleep(0.5)
        return time.monotonic() - began
    finally:
        for process in pool:
            stop(process)
        reset_services()
        drop(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
        scratch = Path(folder)
        dock = scratch / "dock"
        audio = make_backlog(dock, args.items)
        prefect_db = f"prefect_bench_{uuid.uuid4().hex[:8]}"
        database(prefect_db)
        port = 4300 + os.getpid() % 500
        api = f"http://127.0.0.1:{port}/api"
        server = start(
            ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            {
                "PREFECT_HOME": str(scratch / "prefect"),
                "PREFECT_UI_ENABLED": "false",
                "PREFECT_API_DATABASE_CONNECTION_URL": "postgresql+asyncpg://postgres@"
                f"127.0.0.1:5432/{prefect_db}",
            },
            scratch / "server.log",
        )
        try:
            import httpx

            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            os.environ["PREFECT_API_URL"] = api
            from flows.deploy import deploy

            with Path(os.devnull).open("w") as quiet:
                sys.stdout, shown = quiet, sys.stdout
                try:
                    deploy(slots=2)
                finally:
                    sys.stdout = shown
            pause_schedules()
            times = {workers: run_round(workers, api, dock, scratch) for workers in (1, 2)}
        finally:
            stop(server)
            drop(prefect_db)
    print(f"backlog: {args.items} recordings, {audio:.1f} s of speech")
    for workers, seconds in times.items():
        print(f"{workers} worker(s): {seconds:.1f} s wall, real-time factor {seconds / audio:.3f}")
    print(f"speed-up, 2 workers against 1: {times[1] / times[2]:.2f}x")


def pause_schedules() -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        for deployment in client.read_deployments():
            if deployment.schedules:
                client.pause_deployment(deployment.id)


if __name__ == "__main__":
    main()
