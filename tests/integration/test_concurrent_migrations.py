"""Three processes using a brand-new database at the same moment: one migrates, all succeed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

# Each process imports everything first, then waits for the same instant to migrate, so the
# three upgrades really overlap (imports alone take a second or more and vary).
RACER = """
import sys, time
from storage.database import make_engine, migrate
engine = make_engine(sys.argv[1])
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
migrate(engine)
print("migrated")
"""


def test_concurrent_first_use_migrates_once_and_every_process_succeeds(
    database_url: str,
) -> None:
    start = time.time() + 8
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, database_url, str(start)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(racer.wait(timeout=120), *racer.communicate()) for racer in racers]
    for returncode, stdout, stderr in results:
        assert returncode == 0, stderr
        assert stdout.strip() == "migrated"
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            assert len(versions) == 1
            assert connection.execute(text("SELECT count(*) FROM items")).scalar_one() == 0
    finally:
        engine.dispose()
