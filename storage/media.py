"""ffprobe behind the ``MediaProbe`` port.

One ffprobe process per file both describes the container (format, streams, tags) and reads
every packet of it (no decoding), so a truncated or corrupt file is caught cheaply: ffprobe
names any demuxing error on stderr, and how far the packets reach is compared with the
duration the container declares. One process, not two (a description and an ``ffmpeg -c
copy -f null`` demux), because most of a small file's cost is starting Debian's ffmpeg
(loading some 200 shared libraries), not reading it. Packets stream past one line at a
time and are not kept, so an hour of footage costs no more memory than a minute.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from evidence.errors import ConfigurationError, MediaError
from evidence.model import MediaInfo, parse_iso

# A container may declare slightly more than its packets cover (encoder padding, rounding).
TRUNCATION_TOLERANCE_SECONDS = 0.5
TRUNCATION_TOLERANCE_RATIO = 0.02


def require_tools() -> None:
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        raise ConfigurationError(
            f"{', '.join(missing)} not found on PATH; install Debian's ffmpeg package"
        )


# Format and streams in full; of each packet, only where it lies in time.
PROBE_ENTRIES = "format:stream:packet=pts_time,dts_time,duration_time"


class FfmpegProbe:
    def __init__(self) -> None:
        require_tools()

    def probe(self, path: Path, label: str) -> MediaInfo:
        description, reached = self._read(path, label)
        info = _media_info(description, label)
        declared = info.duration
        if declared and reached is not None:
            reached -= _float(description.get("format", {}).get("start_time")) or 0.0
            tolerance = max(TRUNCATION_TOLERANCE_SECONDS, declared * TRUNCATION_TOLERANCE_RATIO)
            if reached + tolerance < declared:
                raise MediaError(
                    f"{label}: truncated; media data ends at {reached:.1f} s "
                    f"of the {declared:.1f} s the file declares"
                )
        return info

    def _read(self, path: Path, label: str) -> tuple[dict[str, Any], float | None]:
        """The description, and the latest time a packet reaches (None: no timestamps)."""
        command = [
            "ffprobe", "-v", "level+warning", "-show_entries", PROBE_ENTRIES,
            "-of", "json=compact=1", str(path),
        ]  # fmt: skip
        # stderr goes to a file: a corrupt file's errors could fill a pipe nobody reads yet.
        with tempfile.TemporaryFile() as errors:
            with subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
            ) as ffprobe:
                assert ffprobe.stdout is not None
                try:
                    description, reached = _parse(ffprobe.stdout)
                except ValueError:
                    description, reached = {}, None  # no JSON: ffprobe's stderr says why
            errors.seek(0)
            err = errors.read()
        problems = _problems(err)
        if ffprobe.returncode != 0 or not description.get("format"):
            reason = problems[-1] if problems else "ffprobe could not read it"
            raise MediaError(f"{label}: not decodable media ({_strip(reason, path)})")
        if problems:
            raise MediaError(f"{label}: truncated or corrupt media ({_strip(problems[-1], path)})")
        return description, reached


# ffprobe's level tag (``-v level+warning``) on a line that says the file is damaged: every
# error, and libavformat's warning of a packet it marked corrupt.
_DAMAGE = re.compile(r"\[(?:error|fatal|panic)\] |\[warning\] (?=Packet corrupt)")


def _problems(stderr: bytes) -> list[str]:
    """What ffprobe reported that ``ffmpeg -xerror`` would stop on, without the level tag:
    errors, and a packet the demuxer marked corrupt (a cut-off last block). Other warnings
    (a duration estimated from the bit rate) say nothing about integrity."""
    lines = stderr.decode("utf-8", "replace").splitlines()
    return [_DAMAGE.sub("", line, count=1).strip() for line in lines if _DAMAGE.search(line)]


def _parse(lines: IO[bytes]) -> tuple[dict[str, Any], float | None]:
    """ffprobe's compact JSON, read as it comes: inside the ``"packets"`` array each packet
    (a line, or a few where it carries side data) is folded into the latest end seen and
    dropped; the rest is kept and parsed, still valid JSON without them. Should the packets
    not come that way, they stay in the rest and are counted from there."""
    rest: list[bytes] = []
    reached: float | None = None
    in_packets = False
    pending = b""
    for line in lines:
        stripped = line.strip()
        if in_packets and not pending and stripped.startswith(b"]"):
            in_packets = False
        elif in_packets and (pending or stripped):
            pending += line
            try:
                packet = json.loads(pending.strip().rstrip(b","))
            except ValueError:
                continue  # one packet over several lines: read on
            reached, pending = _latest(reached, [packet]), b""
            continue
        rest.append(line)
        in_packets = in_packets or stripped == b'"packets": ['
    if pending:
        raise ValueError("ffprobe's list of packets ended part-way through one")
    description: dict[str, Any] = json.loads(b"".join(rest))
    reached = _latest(reached, description.pop("packets", []))
    return description, reached


def _latest(reached: float | None, packets: Iterable[dict[str, Any]]) -> float | None:
    for packet in packets:
        at = _float(packet.get("pts_time"))
        if at is None:
            at = _float(packet.get("dts_time"))
        if at is not None:
            end = at + (_float(packet.get("duration_time")) or 0.0)
            reached = end if reached is None else max(reached, end)
    return reached


def _strip(reason: str, path: Path) -> str:
    reason = reason.replace(f"{path}: ", "")
    if reason.startswith("[") and "] " in reason:
        reason = reason.split("] ", 1)[1]
    return reason


def _media_info(description: dict[str, Any], label: str) -> MediaInfo:
    fmt = description.get("format", {})
    streams = description.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video and not audio:
        raise MediaError(f"{label}: not decodable media (no audio or video streams)")
    duration = _float(fmt.get("duration"))
    details: dict[str, Any] = {
        "format": fmt.get("format_name"),
        "format_long_name": fmt.get("format_long_name"),
        "bit_rate": _int(fmt.get("bit_rate")),
        "streams": [_stream_summary(s) for s in streams],
        "tags": fmt.get("tags", {}),
    }
    if video:
        details["video_codec"] = video[0].get("codec_name")
        details["width"] = video[0].get("width")
        details["height"] = video[0].get("height")
        details["frame_rate"] = video[0].get("avg_frame_rate")
    if audio:
        details["audio_codec"] = audio[0].get("codec_name")
        details["sample_rate"] = _int(audio[0].get("sample_rate"))
        details["channels"] = audio[0].get("channels")
    return MediaInfo(
        format_name=str(fmt.get("format_name", "")),
        duration=duration,
        has_video=bool(video),
        has_audio=bool(audio),
        details=json.loads(json.dumps(details, default=str)),
        creation_time=_creation_time(fmt, streams),
    )


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _stream_summary(stream: dict[str, Any]) -> dict[str, Any]:
    keys = ("index", "codec_type", "codec_name", "width", "height", "sample_rate", "channels")
    summary = {key: stream[key] for key in keys if key in stream}
    summary["duration"] = _float(stream.get("duration"))
    return summary


def _creation_time(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> datetime | None:
    for tags in [fmt.get("tags", {}), *(s.get("tags", {}) for s in streams)]:
        value = tags.get("creation_time")
        if value:
            try:
                return parse_iso(str(value))
            except ValueError:
                continue
    return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "N/A") else None
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "N/A") else None
    except (TypeError, ValueError):
        return None
