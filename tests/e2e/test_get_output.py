"""``evidence get --output``: never clobbers, never follows a link, never leaves a partial copy.

The item is ingested in-process (no Prefect needed); ``get`` runs as the installed CLI.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
from pathlib import Path

import pytest

from entrypoints.sample_dock import call_recording
from evidence.ingest import IngestOptions
from storage.bootstrap import get_services, reset_services
from tests.fixtures.cli import Cli, CliResult

NO_PREFECT = "http://127.0.0.1:9/api"
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    speech = "Police, which service? " * 6  # about 10 s: well past the file size limit below
    return call_recording(speech, tmp_path_factory.mktemp("media") / "c.wav")


@pytest.fixture
def held(evidence_home: Path, recording: Path, tmp_path: Path) -> tuple[Cli, str, bytes]:
    """A CLI on a home holding one item: (cli, item id, the original bytes)."""
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "999.wav").write_bytes(recording.read_bytes())
    outcome = get_services().ingestor().ingest(dock, "999.wav", None, IngestOptions())
    assert outcome.status == "ingested", outcome
    reset_services()
    return Cli(evidence_home, NO_PREFECT, {}), str(outcome.id), recording.read_bytes()


def _clean(result: CliResult) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "error:" in result.stderr


def _copied_out(cli: Cli, item: str) -> int:
    events = cli("custody", item, "--json").json()
    return sum(1 for e in events if e["action"] == "copied-out")


def test_a_new_file_gets_the_verified_bytes(held: tuple[Cli, str, bytes], tmp_path: Path) -> None:
    cli, item, original = held
    out = tmp_path / "copy.wav"
    result = cli("get", item, "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_existing_file_is_refused_unless_forced(
    held: tuple[Cli, str, bytes], tmp_path: Path
) -> None:
    cli, item, original = held
    out = tmp_path / "statement.wav"
    out.write_bytes(b"someone else's work")
    refused = cli("get", item, "-o", str(out))
    assert refused.returncode == 7
    _clean(refused)
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_bytes() == b"someone else's work"
    assert _copied_out(cli, item) == 0

    forced = cli("get", item, "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() == original
    assert _copied_out(cli, item) == 1


def test_a_read_only_file_is_never_replaced(held: tuple[Cli, str, bytes], tmp_path: Path) -> None:
    cli, item, _ = held
    out = tmp_path / "sealed.wav"
    out.write_bytes(b"sealed copy")
    out.chmod(0o444)
    for extra in ([], ["--force"]):
        refused = cli("get", item, "-o", str(out), *extra)
        assert refused.returncode == 7, refused.stderr
        _clean(refused)
        assert out.read_bytes() == b"sealed copy"


def test_a_link_is_never_written_through(held: tuple[Cli, str, bytes], tmp_path: Path) -> None:
    cli, item, _ = held
    target = tmp_path / "target.txt"
    target.write_bytes(b"the link's target")
    link = tmp_path / "link.wav"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.wav"
    dangling.symlink_to(tmp_path / "nowhere.wav")
    for path in (link, dangling):
        for extra in ([], ["--force"]):
            refused = cli("get", item, "-o", str(path), *extra)
            assert refused.returncode == 2, refused.stderr
            _clean(refused)
            assert "symbolic link" in refused.stderr
    assert target.read_bytes() == b"the link's target"
    assert link.is_symlink() and dangling.is_symlink()
    assert not (tmp_path / "nowhere.wav").exists()


def test_a_device_or_pipe_or_folder_is_refused(
    held: tuple[Cli, str, bytes], tmp_path: Path
) -> None:
    cli, item, _ = held
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    # A FIFO stands for every device (/dev/full itself would be destroyed by a failing run).
    for path in (fifo, folder):
        for extra in ([], ["--force"]):
            refused = cli("get", item, "-o", str(path), *extra)
            assert refused.returncode == 2, refused.stderr
            _clean(refused)
            assert "not a regular file" in refused.stderr
    assert fifo.is_fifo() and folder.is_dir() and list(folder.iterdir()) == []


def test_a_missing_folder_is_a_clean_error(held: tuple[Cli, str, bytes], tmp_path: Path) -> None:
    cli, item, _ = held
    refused = cli("get", item, "-o", str(tmp_path / "no-such-folder" / "copy.wav"))
    assert refused.returncode == 2
    _clean(refused)
    assert "no-such-folder" in refused.stderr and "no such folder" in refused.stderr


def test_dash_writes_the_bytes_to_stdout(held: tuple[Cli, str, bytes], tmp_path: Path) -> None:
    cli, item, original = held
    done = subprocess.run(
        [str(cli.executable), "get", item, "-o", "-"],
        env=cli.env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(done.stdout).hexdigest() == hashlib.sha256(original).hexdigest()
    assert not (tmp_path / "-").exists()
    assert cli("custody", item, "--json").json()[-1]["details"]["to"] == "standard output"


def test_a_full_disk_is_a_clean_storage_error_and_leaves_nothing(
    held: tuple[Cli, str, bytes], tmp_path: Path
) -> None:
    cli, item, _ = held
    out = tmp_path / "copy.wav"
    assert len(held[2]) > 2 * LIMIT

    def small_files() -> None:  # writes past 64 KiB fail as on a full disk (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    done = subprocess.run(
        [str(cli.executable), "get", item, "-o", str(out)],
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert done.returncode == 8, done.stderr
    assert "Traceback" not in done.stderr and "File too large" in done.stderr
    assert list(tmp_path.glob("*copy.wav*")) == []


def test_a_digest_mismatch_leaves_nothing_behind(
    held: tuple[Cli, str, bytes], tmp_path: Path, evidence_home: Path
) -> None:
    cli, item, _ = held
    sha256 = cli("show", item, "--json").json()["sha256"]
    stored = next((evidence_home / "store").rglob(sha256))
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    out = tmp_path / "copy.wav"
    refused = cli("get", item, "-o", str(out))
    assert refused.returncode == 4
    _clean(refused)
    assert list(tmp_path.glob("*copy.wav*")) == []
