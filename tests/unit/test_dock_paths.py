import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import evidence
from evidence.dock import (
    DockEntry,
    display_path,
    is_utf8,
    open_no_follow,
    open_steady,
    resolve_inside,
    safe_relative,
    scan,
)
from evidence.errors import InvalidInput, UnsafePath
from tests.fixtures.required import missing


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("../outside.mp4", "climbs"),
        ("bwv/../../outside.mp4", "climbs"),
        ("bwv/../..", "climbs"),
        ("", "empty"),
    ],
)
def test_unsafe_relative_paths_are_refused(relative: str, reason: str) -> None:
    with pytest.raises(UnsafePath, match=reason):
        safe_relative(relative)


def test_plain_relative_path_is_accepted() -> None:
    assert safe_relative("bwv/PC1/clip.mp4").parts == ("bwv", "PC1", "clip.mp4")


@pytest.mark.parametrize(
    ("relative", "parts"),
    [
        ("12:30:00.mp4", ("12:30:00.mp4",)),
        ("C:/clip.mp4", ("C:", "clip.mp4")),
        ("back\\slash.mp4", ("back\\slash.mp4",)),
        ("..\\x.mp4", ("..\\x.mp4",)),
    ],
)
def test_colons_and_backslashes_are_ordinary_characters_on_linux(
    relative: str, parts: tuple[str, ...]
) -> None:
    assert safe_relative(relative).parts == parts


def test_names_that_are_not_utf8_are_shown_with_their_bytes_escaped() -> None:
    name = os.fsdecode(b"bwv/\xff\xfeclip.mp4")
    assert display_path(name) == "bwv/\\xff\\xfeclip.mp4"
    assert not is_utf8(name) and is_utf8("bwv/é.mp4")
    assert display_path("bwv/é.mp4") == "bwv/é.mp4"
    assert display_path("\ud800") == "\\ud800"  # no file system name, still readable


@pytest.mark.timeout(30)
def test_pipes_sockets_and_devices_are_refused_without_being_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mp4")  # opening it for reading would block until a writer came
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "socket.mp4"))
        cases = {"pipe.mp4": "a named pipe (FIFO)", "socket.mp4": "a socket"}
        try:
            os.mknod(tmp_path / "null.mp4", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
            cases["null.mp4"] = "a character device"
        except PermissionError:
            pass  # only root may make device nodes
        for name, kind in cases.items():
            with pytest.raises(
                InvalidInput, match=rf"^{re.escape(name)}: {re.escape(kind)}, not a"
            ):
                open_no_follow(tmp_path / name, name)
            with pytest.raises(InvalidInput, match=re.escape(kind)):
                open_steady(tmp_path / name, name)


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
    with pytest.raises(InvalidInput, match=r"clip\.mp4: a symbolic link"):
        open_no_follow(tmp_path / "clip.mp4", "clip.mp4")


def test_a_file_that_grows_while_read_does_not_end_as_if_complete(tmp_path: Path) -> None:
    (tmp_path / "live.wav").write_bytes(b"a" * 10)
    with open_steady(tmp_path / "live.wav", "live.wav") as stream:
        assert stream.read(4) == b"aaaa"
        with (tmp_path / "live.wav").open("ab") as writer:
            writer.write(b"b" * 10)
        with pytest.raises(InvalidInput, match=r"^live\.wav: still being written; present it"):
            stream.read()
    with open_steady(tmp_path / "live.wav", "live.wav") as stream:
        assert stream.read() == b"a" * 10 + b"b" * 10
        stream.require_unchanged()
        os.utime(tmp_path / "live.wav", ns=(0, 0))  # rewritten in place: same size, new time
        with pytest.raises(InvalidInput, match="still being written"):
            stream.require_unchanged()


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


def test_a_folder_that_cannot_be_listed_is_an_entry_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "ok.wav").write_bytes(b"x")
    names = [f"{n:02}" + "d" * 240 for n in range(18)]  # beyond PATH_MAX from the root
    fd = os.open(tmp_path, os.O_DIRECTORY)
    for name in names:
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)

    entries = list(scan(tmp_path))

    assert entries[0] == DockEntry("ok.wav", None)
    [unlisted] = entries[1:]
    assert unlisted.relative_path.startswith(names[0] + "/") and unlisted.sidecar is None
    assert unlisted.unlisted == (
        "folder cannot be listed (File name too long); the files in it were not ingested"
    )
