"""Transcripts as derived exhibits: what was said, when, and how we know.

A transcript never changes once made. It is hashed over its canonical JSON (every field but
the digest itself), so the copy in the object store, the row in the database and the custody
event on the source item can be checked against each other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from evidence.custody import canonical_json
from evidence.errors import InvalidInput
from evidence.model import iso_utc, parse_iso

DONE = "done"
NO_SPEECH = "no-speech"
FAILED = "failed"
STATUSES = (DONE, NO_SPEECH, FAILED)
FORMATS = ("txt", "vtt", "srt", "json")


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str
    probability: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "word": self.word,
            "probability": self.probability,
        }


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: tuple[Word, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "avg_logprob": self.avg_logprob,
            "no_speech_prob": self.no_speech_prob,
            "words": [word.as_dict() for word in self.words],
        }


@dataclass(frozen=True)
class Recognition:
    """What a transcriber heard in one item's audio, and the facts needed to reproduce it."""

    status: str
    language: str | None
    segments: tuple[Segment, ...]
    provenance: dict[str, Any]
    reason: str | None = None


@dataclass(frozen=True)
class Transcript:
    id: str
    item_id: str
    version: int
    status: str
    language: str | None
    segments: tuple[Segment, ...]
    provenance: dict[str, Any]
    created_at: datetime
    reason: str | None = None
    sha256: str = ""
    storage_key: str | None = None

    def body(self) -> dict[str, Any]:
        """The hashed content: everything that says what was heard and how."""
        return {
            "id": self.id,
            "item_id": self.item_id,
            "version": self.version,
            "status": self.status,
            "reason": self.reason,
            "language": self.language,
            "created_at": iso_utc(self.created_at),
            "provenance": self.provenance,
            "segments": [segment.as_dict() for segment in self.segments],
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.body()).encode("utf-8")

    def sealed(self) -> Transcript:
        return replace(self, sha256=hashlib.sha256(self.canonical_bytes()).hexdigest())

    def as_dict(self) -> dict[str, Any]:
        return {**self.body(), "sha256": self.sha256, "storage_key": self.storage_key}

    @property
    def text(self) -> str:
        return " ".join(segment.text.strip() for segment in self.segments).strip()


def transcript_from_dict(data: dict[str, Any]) -> Transcript:
    return Transcript(
        id=data["id"],
        item_id=data["item_id"],
        version=int(data["version"]),
        status=data["status"],
        reason=data.get("reason"),
        language=data.get("language"),
        created_at=parse_iso(data["created_at"]),
        provenance=dict(data.get("provenance") or {}),
        segments=tuple(
            Segment(
                start=float(s["start"]),
                end=float(s["end"]),
                text=s["text"],
                avg_logprob=float(s["avg_logprob"]),
                no_speech_prob=float(s["no_speech_prob"]),
                words=tuple(Word(**w) for w in s.get("words", [])),
            )
            for s in data.get("segments", [])
        ),
        sha256=data.get("sha256", ""),
        storage_key=data.get("storage_key"),
    )


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cues(transcript: Transcript) -> list[tuple[float, float, str]]:
    """Segments as cues with monotonic, non-empty time ranges (the caption specs require it)."""
    cues: list[tuple[float, float, str]] = []
    previous_end = 0.0
    for segment in transcript.segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
        start = max(segment.start, previous_end)
        end = max(segment.end, start + 0.001)
        cues.append((start, end, text))
        previous_end = end
    return cues


def _vtt_text(text: str) -> str:
    # A cue may not contain "-->", and "&" / "<" open entities and tags in WebVTT.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "->")


def render_vtt(transcript: Transcript) -> str:
    lines = ["WEBVTT", ""]
    for number, (start, end, text) in enumerate(_cues(transcript), start=1):
        lines += [str(number), f"{_clock(start, '.')} --> {_clock(end, '.')}", _vtt_text(text), ""]
    return "\n".join(lines)


def render_srt(transcript: Transcript) -> str:
    blocks = [
        f"{number}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{text.replace('-->', '->')}\n"
        for number, (start, end, text) in enumerate(_cues(transcript), start=1)
    ]
    return "\n".join(blocks)


def render_txt(transcript: Transcript) -> str:
    header = [
        f"Transcript of item {transcript.item_id} (version {transcript.version})",
        f"Status: {transcript.status}" + (f" ({transcript.reason})" if transcript.reason else ""),
        f"Model: {transcript.provenance.get('model', {}).get('name', 'unknown')}",
        f"SHA-256: {transcript.sha256}",
        "",
    ]
    body = [f"[{_clock(start, '.')}] {text}" for start, _end, text in _cues(transcript)]
    return "\n".join(header + body) + "\n"


def render_json(transcript: Transcript) -> str:
    return json.dumps(transcript.as_dict(), indent=2, ensure_ascii=False) + "\n"


def render(transcript: Transcript, fmt: str) -> str:
    """The transcript as plain text, WebVTT, SubRip or JSON."""
    renderers = {"txt": render_txt, "vtt": render_vtt, "srt": render_srt, "json": render_json}
    if fmt not in renderers:
        raise InvalidInput(f"transcript format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderers[fmt](transcript)
