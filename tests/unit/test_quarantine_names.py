import hashlib
import json
import os
from pathlib import Path

import pytest

from evidence.custody import Actor
from evidence.quarantine import NAME_LIMIT, REASON_SUFFIX, Quarantine, quarantine_name

ACTOR = Actor("PC1", "test-host")


def test_short_names_keep_the_dock_path() -> None:
    assert quarantine_name("bwv/truncated.mp4") == "bwv__truncated.mp4"


def test_long_paths_are_shortened_to_fit_one_file_name_and_stay_distinct() -> None:
    deep = "/".join(f"folder{n:02}" for n in range(50))
    first = quarantine_name(f"{deep}/{'x' * 242}.wav")
    second = quarantine_name(f"{deep}/{'x' * 241}y.wav")
    assert first != second
    for name in (first, second):
        assert len(name.encode()) <= NAME_LIMIT
        assert len((name + REASON_SUFFIX).encode()) <= 255
        assert name.startswith("folder00__folder01__") and name.endswith(".wav")
    multibyte = quarantine_name("é" * 300 + ".wav")  # cut on a character boundary
    assert len(multibyte.encode()) <= NAME_LIMIT and multibyte.endswith("é.wav")


def test_the_reason_file_records_the_full_path_and_the_bytes_of_a_name_not_utf8(
    tmp_path: Path,
) -> None:
    dock = tmp_path / "dock"
    deep = dock.joinpath(*[f"folder{n:02}" for n in range(50)])
    deep.mkdir(parents=True)
    odd = os.fsdecode(b"\xff" + b"x" * 242 + b".wav")
    (deep / odd).write_bytes(b"not a recording")
    relative = (deep / odd).relative_to(dock).as_posix()
    quarantine = Quarantine(tmp_path / "quarantine")

    kept = quarantine.keep(deep / odd, relative, "not decodable media", ACTOR)

    assert kept.path is not None and kept.path.read_bytes() == b"not a recording"
    [reason_file] = (tmp_path / "quarantine").rglob("*" + REASON_SUFFIX)
    record = json.loads(reason_file.read_text("utf-8"))
    assert record["path"] == relative.replace(odd, "\\xff" + "x" * 242 + ".wav")
    assert bytes.fromhex(record["path_bytes"]) == os.fsencode(relative)
    assert record["quarantine_name"] == kept.path.name
    assert list((tmp_path / "quarantine" / ".staging").iterdir()) == []
    again = quarantine.keep(deep / odd, relative, "not decodable media", ACTOR)
    assert again.path == kept.path
    assert len(json.loads(reason_file.read_text("utf-8"))["presentations"]) == 2


def test_a_copy_is_not_left_in_staging_when_filing_it_fails(tmp_path: Path) -> None:
    (tmp_path / "bad.mp4").write_bytes(b"not a recording")
    quarantine = Quarantine(tmp_path / "quarantine")
    digest = hashlib.sha256(b"not a recording").hexdigest()
    (tmp_path / "quarantine").mkdir()
    (tmp_path / "quarantine" / digest).write_text("a file where the folder should be")

    with pytest.raises(OSError):
        quarantine.keep(tmp_path / "bad.mp4", "bad.mp4", "not decodable media", ACTOR)

    assert list((tmp_path / "quarantine" / ".staging").iterdir()) == []
