"""The whole `evidence ingest` command against `sha256sum` + `cp` of the same files.

One run prints:

1. Throughput: a ~1 GiB dock of two 15 s 720p raw-video files (every integrity check runs:
   ffprobe reading every packet, SHA-256 while copying, fsync, read-back re-hash, registration),
   ingested by the whole command (a fresh process: imports, flow, tasks) into the embedded
   default (SQLite + local store) in two set-ups, each timed against `sha256sum FILES; cp
   FILES DEST` in the same run (median of REPEAT, alternating):
   - the embedded default: no PREFECT_API_URL, the local background server already
     started by an earlier command;
   - PREFECT_API_URL pointing at a separately started `prefect server start`.
2. Per-file cost of TINY small WAVs: (T(TINY files) - T(1 file)) / (TINY - 1), whole
   commands, on the embedded default.

Each run ingests into its own EVIDENCE_HOME, copied from one an earlier ingest left (database
migrated, signing key made) and sharing its Prefect server. ``--tree`` runs another checkout's
code (e.g. main's, to measure before a change).

    .venv/bin/python benchmarks/ingest.py [--repeat 3] [--tiny 200] [--tree DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def make_video_dock(dock: Path, seconds: int) -> list[Path]:
    dock.mkdir(parents=True)
    for n in range(2):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
             f"testsrc=size=1280x720:rate=25:duration={seconds}", "-f", "lavfi", "-i",
             f"sine=frequency={300 + 100 * n}:duration={seconds}",
             "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le",
             str(dock / f"bwv-{n}.mkv")],
            check=True,
        )  # fmt: skip
    return sorted(dock.iterdir())


def make_tiny_dock(dock: Path, count: int, seed: bytes, salt: int) -> None:
    """``count`` half-second WAVs, each with its own name and bytes (a changed last sample);
    names differ between docks too, or a file would be taken for a changed copy of another."""
    dock.mkdir(parents=True)
    for n in range(count):
        data = bytearray(seed)
        data[-4:] = (salt * 100_000 + n).to_bytes(4, "little")
        (dock / f"call-{salt}-{n:04}.wav").write_bytes(bytes(data))


class Evidence:
    """The `evidence` command on a given checkout, with a given Prefect set-up."""

    def __init__(self, tree: Path, template: Path, prefect_api: str | None) -> None:
        self.tree, self.template, self.prefect_api = tree, template, prefect_api

    def env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(
            EVIDENCE_HOME=str(home),
            PYTHONPATH=f"{self.tree}{os.pathsep}{self.tree / 'verifier'}",
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL="WARNING",
        )
        if self.prefect_api:
            env["PREFECT_API_URL"] = self.prefect_api
        return env

    def fresh_home(self, home: Path) -> Path:
        """A copy of the template home sharing its Prefect server (and its record)."""
        shutil.copytree(self.template, home, ignore=shutil.ignore_patterns("prefect"))
        (home / "prefect").symlink_to(self.template / "prefect")
        return home

    def ingest(self, dock: Path, home: Path) -> float:
        settle()
        command = [sys.executable, "-m", "entrypoints.cli.main", "ingest", "--no-transcribe"]
        start = time.perf_counter()
        done = subprocess.run(
            [*command, "--json", str(dock)], env=self.env(home), capture_output=True, text=True
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0 or '"rejected": []' not in done.stdout:
            raise SystemExit(f"the benchmark dock did not ingest cleanly:\n{done.stderr[-2000:]}")
        return elapsed


def settle() -> None:
    """Flush what earlier runs left dirty (untimed): our fsync must not wait for the disk
    to write back the baseline's copies, nor the baseline start with a busy disk."""
    subprocess.run(["sync"], check=True)


def baseline(files: list[Path], destination: Path) -> float:
    destination.mkdir(parents=True)
    settle()
    start = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, files)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", *map(str, files), str(destination)], check=True)
    return time.perf_counter() - start


def start_prefect_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(folder), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    folder.mkdir(parents=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(1200):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=0.5):  # noqa: S310
                return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("prefect server start did not answer in 120 s")


def report(name: str, ours: list[float], base: list[float], mib: float) -> None:
    mine, theirs = statistics.median(ours), statistics.median(base)
    runs = ", ".join(f"{t:.2f}" for t in ours)
    print(f"{name:44} {mine:6.2f} s {mib / mine:7.1f} MiB/s   runs: {runs}")
    print(f"{'':44} ratio to sha256sum + cp: {theirs / mine:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", type=int, default=200)
    parser.add_argument("--tree", type=Path, default=HERE, help="the checkout to run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as scratch:
        root = Path(scratch)
        files = make_video_dock(root / "dock", args.seconds)
        seed = root / "seed.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5",
             "-ar", "8000", "-ac", "1", str(seed)],
            check=True,
        )  # fmt: skip
        make_tiny_dock(root / "first", 1, seed.read_bytes(), salt=0)
        template = root / "template"
        server, url = start_prefect_server(root / "prefect-server")
        local = Evidence(args.tree, template, None)
        remote = Evidence(args.tree, template, url)
        try:
            local.ingest(root / "first", template)  # starts the local server: not timed
            total = sum(f.stat().st_size for f in files)
            print(f"dock: {len(files)} files, {total / 1024**3:.2f} GiB; tree: {args.tree}")
            base, embedded, running = [], [], []
            for run in range(args.repeat):
                base.append(baseline(files, root / f"cp-{run}"))
                shutil.rmtree(root / f"cp-{run}")
                for times, evidence, name in ((embedded, local, "l"), (running, remote, "r")):
                    home = evidence.fresh_home(root / f"home-{name}{run}")
                    times.append(evidence.ingest(root / "dock", home))
                    shutil.rmtree(home)
            mib = total / 1024**2
            base_median = statistics.median(base)
            runs = ", ".join(f"{t:.2f}" for t in base)
            print(f"{'sha256sum + cp':44} {base_median:6.2f} s {mib / base_median:7.1f} MiB/s"
                  f"   runs: {runs}")  # fmt: skip
            report("evidence ingest, embedded default", embedded, base, mib)
            report("evidence ingest, running prefect server", running, base, mib)
            if args.tiny > 1:
                tiny(local, root, seed.read_bytes(), args.tiny)
        finally:
            subprocess.run(
                [sys.executable, "-m", "entrypoints.cli.main", "server", "stop"],
                env=local.env(template), capture_output=True,
            )  # fmt: skip
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def tiny(local: Evidence, root: Path, seed: bytes, count: int) -> None:
    make_tiny_dock(root / "tiny-1", 1, seed, salt=1)
    make_tiny_dock(root / "tiny-n", count, seed, salt=2)
    one = local.ingest(root / "tiny-1", local.fresh_home(root / "home-t1"))
    many = local.ingest(root / "tiny-n", local.fresh_home(root / "home-tn"))
    per_file = (many - one) / (count - 1)
    print(f"{count} tiny WAVs: {many:.2f} s (1 file: {one:.2f} s); "
          f"per file: {per_file * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
