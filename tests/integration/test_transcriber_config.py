"""Model resolution: the bundled model offline by default, clear errors otherwise."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from evidence.errors import ConfigurationError
from evidence.settings import get_settings
from storage.transcriber import get_transcriber, resolve_model, weights_digest


def test_default_is_the_bundled_tiny_en(evidence_home: Path) -> None:
    spec = resolve_model(get_settings())
    assert spec.name.startswith("tiny.en")
    assert spec.path is not None and (spec.path / "model.bin").is_file()
    assert (spec.device, spec.compute_type) == ("cpu", "int8")
    assert spec.cpu_threads == os.cpu_count()


def test_a_missing_model_is_a_clear_error(
    evidence_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EVIDENCE_WHISPER_MODEL", str(tmp_path / "no-such-model"))
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match=r"no model\.bin in"):
        resolve_model(get_settings())

    monkeypatch.setenv("EVIDENCE_WHISPER_MODEL", "small.en")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="no model is downloaded at run time"):
        get_transcriber(get_settings())


def test_weights_digest_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"weights v1")
    cache = tmp_path / "cache"
    first = weights_digest(weights, cache)
    assert first == hashlib.sha256(b"weights v1").hexdigest()
    cache_file = cache / "model-digests.json"
    (key,) = json.loads(cache_file.read_text())
    cache_file.write_text(json.dumps({key: "remembered"}))
    assert weights_digest(weights, cache) == "remembered"
    weights.write_bytes(b"weights v2")
    os.utime(weights, ns=(1, 1))
    assert weights_digest(weights, cache) != first
