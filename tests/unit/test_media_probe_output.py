"""Reading ffprobe's output: packets folded into how far they reach as they stream past, and
which of its messages mean a damaged file."""

from __future__ import annotations

import io

import pytest

from storage.media import _parse, _problems

HEAD = b'{\n    "packets": [\n'
TAIL = (
    b'    ],\n    "streams": [\n        { "index": 0, "codec_type": "audio" }\n    ],\n'
    b'    "format": { "format_name": "wav", "duration": "2.000000",\n'
    b'        "tags": { "title": "a } [ tricky, title" } }\n}\n'
)


def parse(body: bytes) -> tuple[dict[str, object], float | None]:
    return _parse(io.BytesIO(HEAD + body + TAIL))


def test_packets_are_folded_into_the_latest_end_and_the_rest_is_kept() -> None:
    body = (
        b'        { "pts_time": "0.000000", "dts_time": "0.000000", "duration_time": "0.5" },\n'
        # B-frames: a later packet can lie earlier in time; the latest end counts.
        b'        { "pts_time": "1.500000", "dts_time": "1.000000", "duration_time": "0.25" },\n'
        b'        { "pts_time": "1.000000", "dts_time": "1.250000", "duration_time": "0.5" }\n'
    )
    description, reached = parse(body)
    assert reached == 1.75
    assert "packets" not in description
    assert description["format"] == {
        "format_name": "wav",
        "duration": "2.000000",
        "tags": {"title": "a } [ tricky, title"},
    }


def test_a_packet_over_several_lines_and_one_without_pts_are_read() -> None:
    body = (
        b'        { "pts_time": "0.000000", "duration_time": "0.040000",\n'
        b'            "side_data_list": [\n                {  }\n            ] },\n'
        b'        { "dts_time": "3.000000", "duration_time": "0.040000" }\n'
    )
    _, reached = parse(body)
    assert reached == pytest.approx(3.04)


def test_packets_that_are_not_a_line_each_are_still_counted() -> None:
    text = (
        b'{"packets": [{"pts_time": "0.0", "duration_time": "1.0"}, {"pts_time": "4.0"}],'
        b' "format": {"duration": "4.0"}}'
    )
    description, reached = _parse(io.BytesIO(text))
    assert reached == 4.0 and description == {"format": {"duration": "4.0"}}


def test_no_timestamps_means_no_end_and_a_cut_off_list_is_an_error() -> None:
    assert parse(b'        { "duration_time": "0.5" }\n')[1] is None
    assert parse(b"")[1] is None
    assert parse(b"\n")[1] is None  # ffprobe's empty list: a blank line, then the bracket
    with pytest.raises(ValueError):
        _parse(io.BytesIO(HEAD + b'        { "pts_time": "0.0",\n'))


def test_errors_and_corrupt_packets_are_problems_other_warnings_are_not() -> None:
    stderr = (
        b"[wav @ 0x55] [warning] Ignoring maximum wav data size, file may be invalid\n"
        b"[wav @ 0x55] [warning] Estimating duration from bitrate, this may be inaccurate\n"
    )
    assert _problems(stderr) == []
    corrupt = stderr + b"[wav @ 0x55] [warning] Packet corrupt (stream = 0, dts = NOPTS).\n"
    assert _problems(corrupt) == ["[wav @ 0x55] Packet corrupt (stream = 0, dts = NOPTS)."]
    failed = b"[mov @ 0x1] [error] moov atom not found\n[error] x.mp4: Invalid data found\n"
    assert _problems(failed) == ["[mov @ 0x1] moov atom not found", "x.mp4: Invalid data found"]
