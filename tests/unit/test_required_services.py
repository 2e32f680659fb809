"""The CI switch turns a missing service into a failure instead of a skip."""

from __future__ import annotations

import pytest

from tests.fixtures.required import SWITCH, missing


def test_missing_service_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL"):
        missing("PostgreSQL not answering")


def test_missing_service_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SWITCH, "1")
    with pytest.raises(pytest.fail.Exception, match="chromium"):
        missing("chromium is not installed")
