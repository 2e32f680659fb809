"""What the transparency log costs: ingest with the log against without, and ``verify --all``
over 100,000 events.

1. Registration: N items, each with the four first custody events ingest writes, through
   ``SqlRepository.add_item``; with the log (every event a leaf in the same transaction) and
   without (leaf appending switched off), in finely interleaved pairs.
2. Ingest: the same comparison through the real ``Ingestor`` (read, hash while copying,
   fsync, ffprobe, read back, register) of small distinct WAV files.
3. ``evidence verify --all`` over 100,000 custody events (1,000 items of 100 events) with a
   checkpoint written: the log check alone (every leaf recomputed from its event, the root
   compared), and the whole command as a user runs it.

Run: ``python benchmarks/tlog.py [--items N] [--files N] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from collections.abc import Callable
from pathlib import Path

import storage.repository
from evidence.custody import Actor
from evidence.ingest import IngestOptions, Ingestor
from evidence.model import EvidenceItem, utcnow
from evidence.quarantine import Quarantine
from evidence.services import log
from evidence.settings import Settings
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.media import FfmpegProbe
from storage.unit_of_work import SqlRepository

ACTOR = Actor("PC4521", "dock-01")
STEPS = ("received", "hashed", "stored", "verified")


def without_log() -> Callable[[], None]:
    """Switch leaf appending off in the repository; returns the switch back on."""
    original = storage.repository.append_leaves
    storage.repository.append_leaves = lambda *_args, **_kwargs: 0  # type: ignore[assignment]

    def restore() -> None:
        storage.repository.append_leaves = original

    return restore


def register(repo: SqlRepository, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        digest = uuid.uuid4().hex * 2
        item = EvidenceItem(
            id=digest[:32], sha256=digest, size=1, kind="bwv", original_name="a.mp4",
            source_path=f"{digest[:8]}/a.mp4", storage_key=f"sha256/{digest}",
            store_location="file:///store", ingested_at=utcnow(),
        )  # fmt: skip
        details = {"path": item.source_path, "bytes": 1, "batch": "b"}
        repo.add_item(item, [(step, ACTOR, digest, details, utcnow()) for step in STEPS])
    return time.perf_counter() - started


def wav(path: Path, seed: int, seconds: float = 8.0) -> None:  # 256 KiB
    rate = 16000
    frames = os.urandom(2 * int(rate * seconds))  # noise: every file distinct
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def ingest_round(services: Services, root: Path, count: int) -> float:
    dock = Path(tempfile.mkdtemp(dir=root))
    names = [f"call-{uuid.uuid4().hex[:8]}.wav" for _ in range(count)]
    for n, name in enumerate(names):
        wav(dock / name, n)
    ingestor = Ingestor(services.repo, services.store, FfmpegProbe(), services.quarantine)
    options = IngestOptions(officer="PC4521", batch=uuid.uuid4().hex[:12])
    started = time.perf_counter()
    for name in names:
        outcome = ingestor.ingest(dock, name, None, options)
        assert outcome.status == "ingested", outcome.as_dict()
    return time.perf_counter() - started


def compare(label: str, pairs: int, run: Callable[[], float]) -> None:
    """Run one unit with the log and one without, ``pairs`` times, alternating which goes
    first; sum each side. Interleaving this finely cancels the drift of a shared machine's
    load, which swamps a difference of a few per cent between whole rounds."""
    run()  # warm up caches and connections
    with_log = without = 0.0
    for turn in range(pairs):
        for with_the_log in (True, False) if turn % 2 == 0 else (False, True):
            if with_the_log:
                with_log += run()
                continue
            restore = without_log()
            try:
                without += run()
            finally:
                restore()
    print(
        f"{label}: with the log {with_log:.2f} s, without {without:.2f} s ({pairs} interleaved "
        f"pairs); ratio {with_log / without:.3f} (target <= 1.05)"
    )


def build_services(url: str, root: Path) -> Services:
    engine = make_engine(url)
    migrate(engine)
    settings = Settings(home=root / "home", database_url=url, organisation="Bench Force")
    return Services(
        settings=settings,
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(root / "home" / "store"),
        quarantine=Quarantine(root / "home" / "quarantine"),
    )


def verify_all(root: Path, items: int, events_each: int) -> None:
    home = root / "verify-home"
    url = f"sqlite:///{home / 'evidence.sqlite3'}"
    services = build_services(url, root / "verify")
    services = Services(
        settings=Settings(home=home, database_url=url, organisation="Bench Force"),
        engine=services.engine,
        repo=services.repo,
        store=LocalStore(home / "store"),
        quarantine=services.quarantine,
    )
    started = time.perf_counter()
    for n in range(items):
        stored = services.store.put(io.BytesIO(f"item {n}".encode() * 64))
        item = EvidenceItem(
            id=stored.sha256[:32], sha256=stored.sha256, size=stored.size, kind="call",
            original_name="c.wav", source_path=f"{n}.wav", storage_key=stored.key,
            store_location=stored.location, ingested_at=utcnow(),
        )  # fmt: skip
        steps = [
            ("viewed" if k else "received", ACTOR, item.sha256, {"n": k}, utcnow())
            for k in range(events_each)
        ]
        services.repo.add_item(item, steps)
    written = log.checkpoint(services.unit_of_work(), services.installation())
    assert written is not None
    print(
        f"built {items * events_each} events in {time.perf_counter() - started:.1f} s; "
        f"checkpoint {written.key.split('/')[-1][:20]}"
    )
    started = time.perf_counter()
    report = log.verify_log(services.unit_of_work(), services.installation())
    assert report.ok, report.problems[:3]
    elapsed = time.perf_counter() - started
    print(f"log check alone (recompute every leaf, compare the root): {elapsed:.2f} s")
    services.engine.dispose()
    command = [str(Path(sys.executable).with_name("evidence")), "verify", "--all", "--json"]
    started = time.perf_counter()
    env = {**os.environ, "EVIDENCE_HOME": str(home), "EVIDENCE_ORGANISATION": "Bench Force"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    print(
        f"evidence verify --all over {result['log']['size']} log entries "
        f"({result['checked']} items re-hashed, one fixity event each): {elapsed:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000, help="items registered per side")
    parser.add_argument("--files", type=int, default=60, help="files ingested per side")
    parser.add_argument("--postgres", help="also measure registration on this PostgreSQL URL")
    parser.add_argument("--verify-items", type=int, default=1000)
    parser.add_argument("--verify-events", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sqlite = build_services(f"sqlite:///{root / 'bench.sqlite3'}", root)
        compare(
            f"registration, SQLite, {args.items} items x 4 events",
            args.items // 10,
            lambda: register(sqlite.repo, 10),
        )
        if args.postgres:
            pg = build_services(args.postgres, root / "pg")
            compare(
                f"registration, PostgreSQL, {args.items} items x 4 events",
                args.items // 10,
                lambda: register(pg.repo, 10),
            )
            pg.engine.dispose()
        compare(
            f"ingest (Ingestor, SQLite, local store), {args.files} WAV files of 256 KiB",
            args.files,
            lambda: ingest_round(sqlite, root, 1),
        )
        sqlite.engine.dispose()
        verify_all(root, args.verify_items, args.verify_events)


if __name__ == "__main__":
    main()
