"""Transcript exports valid by their specs, and the transcript's seal."""

import itertools
import json
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from evidence.errors import InvalidInput
from evidence.transcripts import Segment, Transcript, Word, render, transcript_from_dict

VTT_CUE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$")
SRT_CUE = re.compile(r"^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$")


def seconds(parts: tuple[str, ...]) -> float:
    h, m, s, ms = (int(p) for p in parts)
    return h * 3600 + m * 60 + s + ms / 1000


def transcript() -> Transcript:
    words = (Word(0.5, 0.9, "Open", 0.9), Word(0.9, 1.2, "up", 0.8))
    return Transcript(
        id="t1",
        item_id="i1",
        version=1,
        status="done",
        language="en",
        segments=(
            Segment(0.5, 2.25, " Open up, police! ", -0.2, 0.01, words),
            Segment(2.0, 3.0, "He said <kill> & --> ran", -0.3, 0.02),
            Segment(3.0, 3.0, "Stop.", -0.4, 0.03),
            Segment(3.5, 3.6, "   ", -0.4, 0.9),
            Segment(3725.0, 3726.5, "An hour later.", -0.1, 0.0),
        ),
        provenance={"model": {"name": "tiny.en"}},
        created_at=datetime(2026, 11, 25, 21, 30, tzinfo=UTC),
    ).sealed()


def cues(text: str, pattern: re.Pattern[str]) -> list[tuple[float, float]]:
    found = [pattern.match(line) for line in text.splitlines()]
    return [(seconds(m.groups()[:4]), seconds(m.groups()[4:])) for m in found if m]


def test_webvtt_has_header_and_monotonic_nonempty_cues() -> None:
    vtt = render(transcript(), "vtt")
    assert vtt.startswith("WEBVTT\n\n")
    times = cues(vtt, VTT_CUE)
    assert len(times) == 4
    assert all(start < end for start, end in times)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))
    assert "01:02:05.000 --> 01:02:06.500" in vtt
    assert "He said &lt;kill> &amp; -> ran" in vtt
    assert vtt.count("-->") == 4


def test_srt_numbers_cues_with_comma_milliseconds() -> None:
    srt = render(transcript(), "srt")
    blocks = srt.strip().split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == ["1", "2", "3", "4"]
    times = cues(srt, SRT_CUE)
    assert times[0] == (0.5, 2.25)
    assert all(start < end for start, end in times)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))
    assert blocks[0].splitlines()[2] == "Open up, police!"


def test_json_round_trips_with_words_and_seal() -> None:
    original = transcript()
    data = json.loads(render(original, "json"))
    assert data["segments"][0]["words"][0] == {
        "start": 0.5, "end": 0.9, "word": "Open", "probability": 0.9,
    }  # fmt: skip
    assert transcript_from_dict(data) == original


def test_seal_covers_content() -> None:
    original = transcript()
    assert len(original.sha256) == 64
    assert original.sealed().sha256 == original.sha256
    edited = replace(original, segments=original.segments[:1]).sealed()
    assert edited.sha256 != original.sha256


def test_text_export_and_unknown_format() -> None:
    txt = render(transcript(), "txt")
    assert "[00:00:00.500] Open up, police!" in txt
    assert transcript().sha256 in txt
    with pytest.raises(InvalidInput, match="'docx'"):
        render(transcript(), "docx")
