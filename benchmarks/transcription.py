"""Word error rate and speed of our transcription pipeline against plain faster-whisper.

Generates a speech set with espeak-ng (videos with speech after a lead-in, and 8 kHz call
recordings), ingests it into a scratch EVIDENCE_HOME, then for each file times
(a) our pipeline, ``evidence.services.transcripts.transcribe``: read back and hash the stored
original, extract 16 kHz mono with ffmpeg, recognise, seal, store, index and log custody;
(b) plain faster-whisper on the same file, same model and parameters.
Both models are loaded and warmed up before timing; each file runs twice, alternating, and
the faster time of each counts (the machine may be shared). The speech has fixed sentences
so the word error rate has a ground truth. Run: ``python benchmarks/transcription.py``.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

SENTENCES = [
    "Police emergency. My partner is threatening me with a knife.",
    "I am at fourteen Acacia Avenue. Please hurry.",
    "Police. Open the door please. Are you hurt?",
    "He pushed me against the kitchen door and said he would kill me.",
    "I am arresting you on suspicion of assault. You do not have to say anything.",
    "The suspect ran towards the railway station wearing a grey hoodie.",
    "Can you describe the man who took your bag?",
    "There is a red car parked outside with the engine running.",
    "Stay where you are. An ambulance is on its way.",
    "He threw a bottle at the window and then drove off.",
    "Put the weapon down and show me your hands.",
    "My neighbour has been shouting for an hour and I heard glass breaking.",
]


PER_FILE = 3
ROUNDS = 2


def normalise(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-transcription-"))
    os.environ["EVIDENCE_HOME"] = str(scratch / "home")
    from faster_whisper import WhisperModel

    from entrypoints.sample_dock import call_recording, speech_video
    from evidence.ingest import IngestOptions
    from evidence.services import transcripts
    from evidence.services.caller import system_caller
    from storage.bootstrap import get_services
    from storage.transcriber import get_transcriber, resolve_model

    dock = scratch / "dock"
    dock.mkdir()
    files: list[tuple[str, str]] = []
    for n in range(0, len(SENTENCES), PER_FILE):
        text = " ".join(SENTENCES[n : n + PER_FILE])
        name = f"video{n:02d}.mp4" if n % (2 * PER_FILE) == 0 else f"call{n:02d}.wav"
        maker = speech_video if name.endswith(".mp4") else call_recording
        maker(text, dock / name)
        files.append((name, text))
    services = get_services()
    spec = resolve_model(services.settings)
    ours = get_transcriber(services.settings)
    plain = WhisperModel(
        str(spec.path), device="cpu", compute_type=spec.compute_type, cpu_threads=spec.cpu_threads
    )
    options = {"beam_size": spec.beam_size, "vad_filter": True, "word_timestamps": True}
    ids = {}
    for name, _ in files:
        outcome = services.ingestor().ingest(dock, name, None, IngestOptions(kind="bwv"))
        ids[name] = str(outcome.id)
    list(plain.transcribe(str(dock / files[0][0]), **options)[0])
    ours.transcribe(dock / files[0][0], "warm-up")

    caller = system_caller("benchmark", via="benchmark")
    rows = []
    for name, sentence in files:
        plain_seconds = our_seconds = float("inf")
        for _ in range(ROUNDS):
            started = time.perf_counter()
            segments, info = plain.transcribe(str(dock / name), **options)
            plain_text = " ".join(segment.text for segment in segments)
            plain_seconds = min(plain_seconds, time.perf_counter() - started)
            started = time.perf_counter()
            transcripts.transcribe(
                services.unit_of_work, caller, services.store, ours, ids[name], force=True
            )
            our_seconds = min(our_seconds, time.perf_counter() - started)
        our_text = transcripts.show_transcript(services.unit_of_work(), caller, ids[name]).text
        reference = normalise(sentence)
        rows.append(
            (name, info.duration, plain_seconds, our_seconds, reference,
             word_errors(reference, normalise(plain_text)),
             word_errors(reference, normalise(our_text)), our_text)
        )  # fmt: skip

    audio = sum(r[1] for r in rows)
    plain_total = sum(r[2] for r in rows)
    our_total = sum(r[3] for r in rows)
    words = sum(len(r[4]) for r in rows)
    print(f"model {spec.name}, {spec.compute_type} on {spec.device}, {spec.cpu_threads} threads,")
    print(f"beam {spec.beam_size}, VAD on, word timestamps on; {os.cpu_count()} cores")
    print(f"{len(rows)} files, {audio:.1f} s of audio, {words} reference words")
    for name, seconds, plain_s, our_s, _ref, _pe, errors, text in rows:
        print(f"  {name}: {seconds:5.1f} s  plain {plain_s:5.2f} s  ours {our_s:5.2f} s  "
              f"errors {errors:2d}  heard: {text}")  # fmt: skip
    our_wer, plain_wer = (sum(r[k] for r in rows) / words for k in (6, 5))
    print(f"WER  ours {our_wer:.3f}   plain {plain_wer:.3f}")
    print(f"RTF  ours {our_total / audio:.3f}   plain {plain_total / audio:.3f}   target <= 0.1")
    ratios = [r[3] / r[2] for r in rows]
    print(
        f"ours / plain: total {our_total / plain_total:.2f}x, "
        f"median per file {statistics.median(ratios):.2f}x   target <= 1.1x"
    )


if __name__ == "__main__":
    sys.exit(main())
