"""Audio extraction with ffmpeg (through ffmpeg-python): 16 kHz mono PCM, streamed.

ffmpeg decodes the media and writes raw samples to a pipe, read straight into the array
the recogniser takes; no intermediate audio file is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np
import numpy.typing as npt

from evidence.errors import TranscriptionError
from storage.media import require_tools

SAMPLE_RATE = 16000
INPUT_PLACEHOLDER = "{media}"


class NoAudioTrack(Exception):
    """The media has no audio stream to transcribe."""


@dataclass(frozen=True)
class ExtractedAudio:
    samples: npt.NDArray[np.float32]
    command: list[str]

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def _stream(source: str) -> ffmpeg.nodes.OutputStream:
    return (
        ffmpeg.input(source)
        .output("pipe:1", format="s16le", acodec="pcm_s16le", ac=1, ar=SAMPLE_RATE, map="0:a:0")
        .global_args("-nostdin", "-v", "error", "-vn", "-sn", "-dn")
    )


def extraction_command() -> list[str]:
    """The ffmpeg command line, with the media path shown as ``{media}`` for the record."""
    return [str(part) for part in ffmpeg.compile(_stream(INPUT_PLACEHOLDER), cmd="ffmpeg")]


def has_audio(media: Path, label: str) -> bool:
    try:
        streams = ffmpeg.probe(str(media)).get("streams", [])
    except ffmpeg.Error as exc:
        reason = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise TranscriptionError(
            f"{label}: its audio could not be read ({reason[-1] if reason else 'ffprobe failed'})"
        ) from exc
    return any(stream.get("codec_type") == "audio" for stream in streams)


def extract_audio(media: Path, label: str) -> ExtractedAudio:
    """Decode the first audio track of ``media`` to 16 kHz mono float samples."""
    require_tools()
    if not has_audio(media, label):
        raise NoAudioTrack(f"{label}: the media has no audio track")
    process = _stream(str(media)).run_async(pipe_stdout=True, pipe_stderr=True)
    pcm, stderr = process.communicate()
    errors = stderr.decode("utf-8", "replace").strip()
    if process.returncode != 0:
        last = errors.splitlines()[-1] if errors else f"ffmpeg exited with {process.returncode}"
        raise TranscriptionError(f"{label}: its audio could not be extracted ({last})")
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16)
    return ExtractedAudio(
        samples=samples.astype(np.float32) / 32768.0, command=extraction_command()
    )
