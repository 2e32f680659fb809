"""Ingest throughput against `sha256sum` + `cp` of the same files, measured in the same run.

Generates a dock of at least 1 GiB (long PCM WAV recordings and an H.264 clip, all valid
media, so every integrity check runs), then times:

- baseline: `sha256sum FILES` followed by `cp FILES DEST` (hash and copy, no checks);
- ours: the Prefect ingest flow on the embedded default (SQLite + local store): integrity
  check (ffprobe + demux), SHA-256 while copying into the store, fsync, read-back re-hash,
  registration with custody events.

Each is run REPEAT times, alternating, into fresh destinations; medians are compared.
Target: ours / baseline throughput >= 0.8.

    .venv/bin/python benchmarks/ingest.py [--gib 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

WAV_BYTES_PER_SECOND = 48_000 * 2 * 2


def make_dock(dock: Path, gib: float) -> list[Path]:
    dock.mkdir(parents=True)
    target = int(gib * 1024**3)
    files = []
    clip = dock / "bwv-clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=25:duration=60",
         "-f", "lavfi", "-i", "sine=frequency=300:duration=60", "-c:v", "libx264",
         "-preset", "ultrafast", "-b:v", "8M", "-c:a", "aac", str(clip)],
        check=True,
    )  # fmt: skip
    files.append(clip)
    written = clip.stat().st_size
    n = 0
    while written < target:
        seconds = min(1400, max(10, (target - written) // WAV_BYTES_PER_SECOND + 1))
        wav = dock / f"call-{n:02}.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
             f"sine=frequency={200 + 50 * n}:sample_rate=48000:duration={seconds}",
             "-ac", "2", "-c:a", "pcm_s16le", str(wav)],
            check=True,
        )  # fmt: skip
        files.append(wav)
        written += wav.stat().st_size
        n += 1
    return files


def baseline(files: list[Path], destination: Path, durable: bool) -> float:
    """sha256sum then cp; with ``durable``, also `sync` the copies to disk as we fsync ours."""
    destination.mkdir(parents=True)
    start = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, files)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", *map(str, files), str(destination)], check=True)
    if durable:
        subprocess.run(["sync", *(str(destination / f.name) for f in files)], check=True)
    return time.perf_counter() - start


def ours(dock: Path, home: Path) -> float:
    from entrypoints.prefect_env import run_flow
    from flows.ingest import ingest_dock
    from storage.bootstrap import get_services, reset_services

    os.environ["EVIDENCE_HOME"] = str(home)
    reset_services()
    get_services()
    start = time.perf_counter()
    outcomes = run_flow(ingest_dock, root=str(dock), transcribe=False)
    elapsed = time.perf_counter() - start
    bad = [o for o in outcomes if o["status"] != "ingested"]
    if bad:
        raise SystemExit(f"benchmark dock did not ingest cleanly: {bad}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as scratch:
        root = Path(scratch)
        files = make_dock(root / "dock", args.gib)
        total = sum(f.stat().st_size for f in files)
        print(f"dock: {len(files)} files, {total / 1024**3:.2f} GiB")
        with prefect_test_harness(server_startup_timeout=120):
            ours(root / "dock", root / "warmup-home")  # start-up costs out of the timing
            shutil.rmtree(root / "warmup-home")
            base_times, sync_times, our_times = [], [], []
            for run in range(args.repeat):
                base_times.append(baseline(files, root / f"cp-{run}", durable=False))
                shutil.rmtree(root / f"cp-{run}")
                sync_times.append(baseline(files, root / f"cps-{run}", durable=True))
                shutil.rmtree(root / f"cps-{run}")
                our_times.append(ours(root / "dock", root / f"home-{run}"))
                shutil.rmtree(root / f"home-{run}")
    mib = total / 1024**2
    rows = [
        ("sha256sum + cp", base_times),
        ("sha256sum + cp + sync", sync_times),
        ("ours (ingest flow)", our_times),
    ]
    for name, times in rows:
        median = statistics.median(times)
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:24} {median:6.2f} s {mib / median:8.1f} MiB/s   runs: {runs}")
    mine = statistics.median(our_times)
    print(f"ratio vs sha256sum + cp:        {statistics.median(base_times) / mine:.2f}")
    print(f"ratio vs sha256sum + cp + sync: {statistics.median(sync_times) / mine:.2f}")
    print("(target >= 0.80 against sha256sum + cp)")


if __name__ == "__main__":
    main()
