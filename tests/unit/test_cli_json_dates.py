"""``--json`` prints every moment in the one form: UTC, microseconds, ``Z``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from entrypoints.cli.output import print_json


def test_moments_in_json_output_are_printed_as_iso_utc(capsys: pytest.CaptureFixture[str]) -> None:
    summer = timezone(timedelta(hours=1))
    print_json({"at": datetime(2026, 6, 1, 9, 30, tzinfo=summer), "n": 1})
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"at": "2026-06-01T08:30:00.000000Z", "n": 1}
    assert datetime.fromisoformat(printed["at"]) == datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
