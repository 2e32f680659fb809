import json
from datetime import UTC, datetime

import pytest

from evidence.errors import InvalidInput
from evidence.sidecar import parse_sidecar


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
