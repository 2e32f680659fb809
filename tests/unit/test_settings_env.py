"""Settings come from EVIDENCE_* variables (any case), arguments win, and every value is
validated as the field says."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from evidence.settings import Settings


def test_variables_are_read_whatever_their_case_and_arguments_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EVIDENCE_HOME", str(tmp_path))
    monkeypatch.setenv("evidence_s3_retries", "3")
    monkeypatch.setenv("EVIDENCE_NOT_A_SETTING", "ignored")
    monkeypatch.setenv("S3_RETRIES", "9")  # no prefix: not ours
    settings = Settings()
    assert settings.home == tmp_path and settings.s3_retries == 3
    assert Settings(s3_retries=5).s3_retries == 5
    assert Settings().whisper_device == "cpu"  # unset: the default


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EVIDENCE_S3_RETRIES", "11"),
        ("EVIDENCE_PREFECT_SERVER", "nope"),
        ("EVIDENCE_S3_RETRIES", "x"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert variable.removeprefix("EVIDENCE_").lower() in str(refused.value)
