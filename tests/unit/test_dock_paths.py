import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import evidence
from evidence.dock import open_no_follow, resolve_inside, safe_relative, scan
from evidence.errors import InvalidInput, UnsafePath
from tests.fixtures.required import missing


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("../outside.mp4", "climbs"),
        ("bwv/../../outside.mp4", "climbs"),
        ("C:/Windows/clip.mp4", "absolute"),
        ("..\\outside.mp4", "climbs"),
        ("", "empty"),
    ],
)
def test_unsafe_relative_paths_are_refused(relative: str, reason: str) -> None:
    with pytest.raises(UnsafePath, match=reason):
        safe_relative(relative)


def test_plain_relative_path_is_accepted() -> None:
    assert safe_relative("bwv/PC1/clip.mp4").parts == ("bwv", "PC1", "clip.mp4")


def test_symlink_is_refused_even_inside_the_dock(tmp_path: Path) -> None:
    (tmp_path / "real.mp4").write_bytes(b"x")
    (tmp_path / "link.mp4").symlink_to(tmp_path / "real.mp4")
    with pytest.raises(UnsafePath, match="symbolic link"):
        resolve_inside(tmp_path, "link.mp4")


def test_symlinked_directory_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(b"x")
    dock = tmp_path / "dock"
    dock.mkdir()
    (dock / "escape").symlink_to(outside)
    with pytest.raises(UnsafePath, match="symbolic link"):
        resolve_inside(dock, "escape/secret.mp4")


def test_open_no_follow_refuses_a_link_swapped_in_after_the_check(tmp_path: Path) -> None:
    (tmp_path / "target.mp4").write_bytes(b"x")
    (tmp_path / "clip.mp4").symlink_to(tmp_path / "target.mp4")
    with pytest.raises(InvalidInput, match=r"clip\.mp4: cannot be opened"):
        open_no_follow(tmp_path / "clip.mp4", "clip.mp4")


def test_unreadable_file_is_reported() -> None:
    """Root reads any file whatever its mode, so as root the check runs as ``nobody``.

    The domain modules it needs are stdlib-only; they are copied beside the file so the
    unprivileged interpreter (the system's, since the venv may sit under /root) can load them.
    """
    as_root = os.geteuid() == 0
    interpreter = shutil.which("python3", path="/usr/bin") if as_root else sys.executable
    if interpreter is None:
        missing("no system python3 to run the check as an unprivileged user")
    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch).chmod(0o755)
        shutil.copytree(Path(evidence.__file__).parent, Path(scratch) / "evidence")
        target = Path(scratch) / "clip.mp4"
        target.write_bytes(b"x")
        target.chmod(0)
        probe = (
            "import sys; from pathlib import Path; from evidence.dock import open_no_follow\n"
            "try:\n    open_no_follow(Path(sys.argv[1]), 'clip.mp4')\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
        )
        done = subprocess.run(
            [interpreter, "-c", probe, str(target)],
            capture_output=True,
            text=True,
            user="nobody" if as_root else None,
            cwd=scratch,
            env={"PYTHONPATH": scratch},
            check=True,
        )
    assert done.stdout.startswith("InvalidInput clip.mp4: unreadable"), done


def test_scan_pairs_sidecars_and_accounts_for_every_other_file(tmp_path: Path) -> None:
    (tmp_path / "bwv").mkdir()
    (tmp_path / "bwv" / "a.mp4").write_bytes(b"x")
    (tmp_path / "bwv" / "a.mp4.json").write_text("{}")
    (tmp_path / "orphan.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "link.wav").symlink_to(tmp_path / "notes.txt")
    (tmp_path / "dirlink").symlink_to(tmp_path / "bwv")
    entries = {entry.relative_path: entry.sidecar for entry in scan(tmp_path)}
    assert entries == {
        "bwv/a.mp4": "bwv/a.mp4.json",
        "orphan.json": None,
        "notes.txt": None,
        "link.wav": None,
        "dirlink": None,
    }
