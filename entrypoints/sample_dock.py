"""Generate a realistic sample dock with ffmpeg and espeak-ng, for the demo and the tests.

Speech is synthesised (espeak-ng) from known sentences so that search and word-error
measurements have a ground truth; video is ffmpeg's test pattern with the speech muxed in.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evidence.errors import ConfigurationError

INCIDENT = "CAD-20261125-0417"
START = datetime(2026, 11, 25, 21, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SampleFile:
    name: str
    kind: str
    text: str
    sidecar: dict[str, Any]


SAMPLES = (
    SampleFile(
        "calls/999-20261125-2114.wav",
        "call",
        "Police emergency. My partner is threatening me with a knife. "
        "I am at fourteen Acacia Avenue. Please hurry.",
        {"officer": "CH1187", "device": "CALLREC-01", "recorded_at": START.isoformat()},
    ),
    SampleFile(
        "bwv/PC4521/AXON-0042_20261125_2121.mp4",
        "bwv",
        "Police. Open the door please. Are you hurt? "
        "He pushed me against the kitchen door and said he would kill me.",
        {
            "officer": "PC4521",
            "device": "AXON-0042",
            "recorded_at": (START + timedelta(minutes=7)).isoformat(),
        },
    ),
    SampleFile(
        "bwv/PC3310/AXON-0107_20261125_2124.mp4",
        "bwv",
        "I am arresting you on suspicion of assault. You do not have to say anything.",
        {
            "officer": "PC3310",
            "device": "AXON-0107",
            "recorded_at": (START + timedelta(minutes=10)).isoformat(),
        },
    ),
)


def require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise ConfigurationError(f"{tool} not found on PATH; install Debian's {tool} package")
    return found


def speech_wav(text: str, output: Path, sample_rate: int = 16000) -> Path:
    """Synthesise ``text`` to a mono WAV at ``sample_rate`` with espeak-ng and ffmpeg."""
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "speech.wav"
        subprocess.run(
            [require("espeak-ng"), "-v", "en-gb", "-s", "150", "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        _ffmpeg(["-i", str(raw), "-ac", "1", "-ar", str(sample_rate), str(output)])
    return output


def speech_video(text: str, output: Path, size: str = "640x360", lead_in: float = 1.0) -> Path:
    """A test-pattern video with ``text`` spoken after ``lead_in`` seconds (H.264 + AAC)."""
    with tempfile.TemporaryDirectory() as scratch:
        speech = speech_wav(text, Path(scratch) / "speech.wav")
        delay = int(lead_in * 1000)
        _ffmpeg(
            [
                "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
                "-i", str(speech),
                "-filter_complex", f"[1:a]adelay={delay},apad=pad_dur=1[a]",
                "-map", "0:v", "-map", "[a]", "-shortest",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", str(output),
            ]
        )  # fmt: skip
    return output


def silent_video(output: Path, seconds: float = 3.0, with_audio: bool = True) -> Path:
    """A test pattern with a silent audio track, or with no audio track at all."""
    args = ["-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}"]
    if with_audio:
        args += ["-f", "lavfi", "-i", f"anullsrc=r=16000:cl=mono:d={seconds}", "-c:a", "aac"]
    _ffmpeg([*args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(output)])
    return output


def call_recording(text: str, output: Path) -> Path:
    """A 999-style call: 8 kHz mono telephone audio."""
    return speech_wav(text, output, sample_rate=8000)


def make_sample_dock(root: Path) -> list[Path]:
    """Write the sample dock (media plus sidecars) under ``root``; returns the media paths."""
    written = []
    for sample in SAMPLES:
        target = root / sample.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if sample.kind == "call":
            call_recording(sample.text, target)
        else:
            speech_video(sample.text, target)
        sidecar = {**sample.sidecar, "incident": INCIDENT, "kind": sample.kind}
        target.with_name(target.name + ".json").write_text(json.dumps(sidecar, indent=2))
        written.append(target)
    return written


def _ffmpeg(args: list[str]) -> None:
    result = subprocess.run(
        [require("ffmpeg"), "-nostdin", "-v", "error", "-y", *args], capture_output=True
    )
    if result.returncode != 0:
        raise ConfigurationError(f"ffmpeg failed: {result.stderr.decode(errors='replace')}")


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m entrypoints.sample_dock OUTPUT_DIR")
    for written in make_sample_dock(Path(sys.argv[1])):
        print(written)
