"""Start-up time of the interactive commands, against ``import prefect`` in the same run.

Builds a small EVIDENCE_HOME (a few generated recordings ingested through the real ingest
service, one case linking them), then times whole processes, median of several runs each:
``python -c "import prefect"`` as the yardstick, and ``evidence --help``, ``evidence show ID``,
``evidence search Q`` and ``evidence case show URN``, and beside them a process that only
imports the libraries those commands need (SQLAlchemy's ORM, pydantic, Typer,
Rich). Prints each median and its ratio to the yardstick. The goal (issue 11) is a ratio of
0.5 or less for every command.

The project's modules are byte-compiled first, as ``scripts/setup.sh`` and an installed
package have them, since ``import prefect`` too loads compiled modules; the commands run as
the ``evidence`` console script does (``entrypoints.cli.main.run``).

Run: ``python benchmarks/startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

URN = "01YZ1234524"
INCIDENT = "CAD-0001"
GOAL = 0.5
LIBRARIES = "import sqlalchemy.orm, pydantic, typer, rich.console, rich.table"


def make_home(home: Path) -> str:
    """Ingest three generated recordings and open a case on their incident; return an id."""
    os.environ["EVIDENCE_HOME"] = str(home)
    from evidence.ingest import IngestOptions
    from evidence.services.caller import console_caller
    from evidence.services.case_links import link_window
    from evidence.services.cases import create_case
    from storage.bootstrap import get_services

    dock = home.parent / "dock"
    dock.mkdir()
    for n in range(3):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={440 + n}:duration=1",
             str(dock / f"call{n}.wav")],
            check=True,
        )  # fmt: skip
    services = get_services()
    options = IngestOptions(kind="call", officer="PC4521", incident=INCIDENT)
    outcomes = [services.ingestor().ingest(dock, f"call{n}.wav", None, options) for n in range(3)]
    ids = [o.id for o in outcomes if o.status == "ingested" and o.id]
    if len(ids) != 3:
        raise SystemExit(f"could not build the benchmark home: {outcomes}")
    create_case(
        services.unit_of_work(),
        console_caller(services.settings.console_role, "PC4521"),
        URN,
        window=link_window(services.settings),
        incidents=[INCIDENT],
        title="Bench",
    )
    return ids[0]


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (median)")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    packages = ["entrypoints", "evidence", "flows", "storage", "verifier/bundle_verifier"]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *packages], cwd=root, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        item_id = make_home(home)
        env = {
            **os.environ,
            "EVIDENCE_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        evidence = [sys.executable, "-m", "entrypoints.cli.main"]
        commands = {
            "import prefect": [sys.executable, "-c", "import prefect"],
            "evidence --help": [*evidence, "--help"],
            "evidence show ID": [*evidence, "show", item_id],
            "evidence search Q": [*evidence, "search", "hello"],
            "evidence case show URN": [*evidence, "case", "show", URN],
            # What a reading command cannot avoid with this stack: the libraries alone.
            "libraries alone": [sys.executable, "-c", LIBRARIES],
        }
        for command in commands.values():  # warm the file cache and .pyc files
            timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so a busy moment hits every command alike
            for name, command in commands.items():
                times[name].append(timed(command, env))
    base = statistics.median(times["import prefect"])
    print(f"{'command':<26} {'median (s)':>10} {'ratio':>7}")
    worst = 0.0
    for name, runs in times.items():
        median = statistics.median(runs)
        ratio = median / base
        if name.startswith("evidence"):
            worst = max(worst, ratio)
        print(f"{name:<26} {median:>10.3f} {ratio:>7.2f}")
    verdict = "meets" if worst <= GOAL else "misses"
    print(f"worst ratio {worst:.2f}: {verdict} the goal of {GOAL}")


if __name__ == "__main__":
    main()
