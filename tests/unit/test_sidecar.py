import json
from datetime import UTC, datetime

import pytest

from evidence.errors import InvalidInput
from evidence.sidecar import parse_sidecar, require_recordable


def test_known_fields_are_parsed_and_unknown_fields_kept() -> None:
    raw = {
        "officer": "PC4521",
        "device": "AXON-0042",
        "recorded_at": "2026-11-25T21:21:00+01:00",
        "incident": 417,
        "kind": "bwv",
        "sha256": "AB" * 32,
        "gps": {"lat": 51.5, "lon": -0.1},
    }
    sidecar = parse_sidecar(json.dumps(raw).encode(), "clip.mp4.json")
    assert sidecar.officer == "PC4521"
    assert sidecar.recorded_at == datetime(2026, 11, 25, 20, 21, tzinfo=UTC)
    assert sidecar.incident == "417"
    assert sidecar.sha256 == "ab" * 32
    assert sidecar.extra == {"gps": {"lat": 51.5, "lon": -0.1}}


def test_naive_recorded_at_is_taken_as_utc() -> None:
    sidecar = parse_sidecar(b'{"recorded_at": "2026-11-25T21:21:00"}', "a.json")
    assert sidecar.recorded_at == datetime(2026, 11, 25, 21, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"kind": "cctv"}', "kind: .*bwv"),
        (b'{"sha256": "abc"}', "sha256: .*64 hexadecimal"),
        (b'{"recorded_at": "yesterday"}', "recorded_at"),
    ],
)
def test_bad_sidecars_name_the_file_and_the_field(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=rf"clip\.mp4\.json: .*{message}"):
        parse_sidecar(raw, "clip.mp4.json")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 32 levels deep"),
        (b'{"a": ' + b"{" * 40 + b"}" * 41, "nested more than 32 levels deep"),
        (b'{"gps": {"lat": NaN}}', "NaN is not a number"),
        (b'{"speed": -Infinity}', "-Infinity is not a number"),
        (b'{"speed": 1e999}', "holds the number inf"),
        (b'{"count": 9007199254740992}', "too large to be recorded exactly"),
        (b'{"count": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"officer": "PC\\u0000"}', "NUL character"),
        (b'{"note": {"\\udcff": 1}}', "not valid Unicode"),
        (b'{"officer": "' + b"P" * 65 + b'"}', "officer: .*at most 64 characters"),
        (b'{"device": "' + b"D" * 129 + b'"}', "device: .*at most 128 characters"),
        (b'{"incident": "' + b"I" * 65 + b'"}', "incident: .*at most 64 characters"),
        (b'{"recorded_at": "0001-01-01T00:00:00+01:00"}', "recorded_at: .*range of dates"),
    ],
)
def test_sidecars_that_cannot_be_recorded_faithfully_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^clip\.mp4\.json: sidecar .*{message}"):
        parse_sidecar(raw, "clip.mp4.json")


def test_fields_at_their_limits_and_brackets_inside_strings_are_accepted() -> None:
    raw = {
        "officer": "P" * 64,
        "device": "D" * 128,
        "incident": "I" * 64,
        "note": "[[[[" * 20 + '\\"{{{{' * 20,
        "count": 2**53 - 1,
        "nested": [[[[{"ok": True}]]]],
    }
    sidecar = parse_sidecar(json.dumps(raw).encode(), "clip.mp4.json")
    assert (sidecar.officer, sidecar.device, sidecar.incident) == ("P" * 64, "D" * 128, "I" * 64)
    assert sidecar.extra["note"] == raw["note"] and sidecar.extra["count"] == 2**53 - 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("X" * 65, "longer than the 64 characters"),
        ("PC\x00", "NUL character"),
        ("PC\udcff", "not valid Unicode"),
    ],
)
def test_an_officer_given_outside_a_sidecar_is_checked_the_same_way(
    value: str, message: str
) -> None:
    require_recordable("incident", "I" * 64)
    with pytest.raises(InvalidInput, match=rf"^officer '.*': .*{message}"):
        require_recordable("officer", value)
