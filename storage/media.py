"""ffprobe/ffmpeg behind the ``MediaProbe`` port, through ffmpeg-python.

Probing reads the container's description; the integrity check demuxes every packet
(``-c copy``, no decoding) so a truncated or corrupt file is caught cheaply, and compares
how far the packets reach with the duration the container declares.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import ffmpeg

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


def _first_line(stderr: bytes | None, fallback: str) -> str:
    lines = [line.strip() for line in (stderr or b"").decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else fallback


class FfmpegProbe:
    def __init__(self) -> None:
        require_tools()

    def probe(self, path: Path, label: str) -> MediaInfo:
        # The demux check and the description are two processes; they run at once, as most
        # of each one's cost is starting up (loading ffmpeg's libraries), not reading.
        demux = self._start_demux(path)
        try:
            info = _media_info(self._describe(path, label), label)
        except BaseException:  # not media (or interrupted): the demux is not waited for
            demux.kill()
            demux.communicate()
            raise
        reached = self._demux_end(demux, path, label)
        declared = info.duration
        if declared and reached is not None:
            tolerance = max(TRUNCATION_TOLERANCE_SECONDS, declared * TRUNCATION_TOLERANCE_RATIO)
            if reached + tolerance < declared:
                raise MediaError(
                    f"{label}: truncated; media data ends at {reached:.1f} s "
                    f"of the {declared:.1f} s the file declares"
                )
        return info

    def _describe(self, path: Path, label: str) -> dict[str, Any]:
        try:
            return dict(ffmpeg.probe(str(path)))
        except ffmpeg.Error as exc:
            reason = _first_line(exc.stderr, "ffprobe could not read it")
            reason = reason.replace(f"{path}: ", "")
            raise MediaError(f"{label}: not decodable media ({reason})") from exc

    def _start_demux(self, path: Path) -> subprocess.Popen[bytes]:
        """Demux every packet (``-c copy``, no decoding), reporting how far they reach."""
        stream = (
            ffmpeg.input(str(path))
            .output("-", format="null", c="copy", map="0", progress="pipe:1", nostats=None)
            .global_args("-nostdin", "-v", "error", "-xerror")
        )
        return subprocess.Popen(stream.compile(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def _demux_end(self, demux: subprocess.Popen[bytes], path: Path, label: str) -> float | None:
        out, err = demux.communicate()
        if demux.returncode != 0:
            reason = _first_line(err, "ffmpeg stopped reading it")
            raise MediaError(f"{label}: truncated or corrupt media ({_strip(reason, path)})")
        if err.strip():
            raise MediaError(
                f"{label}: truncated or corrupt media ({_strip(_first_line(err, ''), path)})"
            )
        times = [
            line.split("=", 1)[1]
            for line in out.decode("ascii", "replace").splitlines()
            if line.startswith("out_time_us=")
        ]
        if not times or not times[-1].strip().lstrip("-").isdigit():
            return None
        return max(int(times[-1]), 0) / 1_000_000


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
