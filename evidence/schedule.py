"""The exhibit schedule of a CPS bundle, in the spirit of the MG12 exhibit list (CSV and HTML).

Continuity for each exhibit is its custody log condensed to one line per event, from
capture (received at the dock) to the export that made this bundle.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from evidence.cases import Case
from evidence.model import CustodyEvent, EvidenceItem, Kind, iso_utc

COLUMNS = (
    "Exhibit ref",
    "Description",
    "Kind",
    "Recorded start (UTC)",
    "Recorded end (UTC)",
    "Officer",
    "Device",
    "Location of original",
    "File in bundle",
    "SHA-256",
    "Continuity",
)
KIND_NAMES: dict[str, str] = {Kind.BWV: "Body-worn video", Kind.CALL: "999/101 call recording"}
# A spreadsheet evaluates a cell that starts with one of these (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ScheduleRow:
    exhibit_ref: str
    item: EvidenceItem
    bundle_path: str
    events: tuple[CustodyEvent, ...]

    def cells(self) -> list[str]:
        item = self.item
        start = item.recorded_at
        end = start + timedelta(seconds=item.duration or 0) if start else None
        return [
            self.exhibit_ref,
            describe(item),
            KIND_NAMES.get(item.kind, item.kind),
            iso_utc(start) if start else "not recorded",
            iso_utc(end) if end else "not recorded",
            item.officer or "",
            item.device or "",
            item.store_location,
            self.bundle_path,
            item.sha256,
            continuity(self.events),
        ]


def describe(item: EvidenceItem) -> str:
    parts = [KIND_NAMES.get(item.kind, item.kind), f"'{item.original_name}'"]
    if item.duration:
        parts.append(f"{item.duration:.1f} s")
    if item.incident:
        parts.append(f"incident {item.incident}")
    return ", ".join(parts)


def continuity(events: tuple[CustodyEvent, ...]) -> str:
    return "; ".join(f"{e.at} {e.action} by {e.actor}@{e.host}" for e in events)


def schedule_csv(rows: list[ScheduleRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([inert(cell) for cell in row.cells()] for row in rows)
    return buffer.getvalue().encode("utf-8")


def inert(cell: str) -> str:
    """The cell as text a spreadsheet shows rather than runs: a leading ``'`` (OWASP's rule).

    Only the CSV needs it; the HTML schedule, the JSON and the custody log keep true values.
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def schedule_html(case: Case, rows: list[ScheduleRow], export: dict[str, Any]) -> bytes:
    head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row.cells()) + "</tr>"
        for row in rows
    )
    facts = "".join(
        f"<tr><th scope='row'>{escape(label)}</th><td>{escape(str(value))}</td></tr>"
        for label, value in (
            ("URN", case.urn),
            ("Title", case.title),
            ("Incident/CAD numbers", ", ".join(case.incidents) or "none"),
            ("Domestic abuse", "yes" if case.domestic_abuse else "no"),
            ("Exported by", export["organisation"]),
            ("Exported at (UTC)", export["exported_at"]),
            ("Signing key fingerprint", export["fingerprint"]),
            ("Exhibits", len(rows)),
        )
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Exhibit schedule {escape(case.urn)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5rem; color: #111; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th, td {{ border: 1px solid #555; padding: 0.3rem 0.5rem; vertical-align: top;
  text-align: left; font-size: 0.9rem; }}
td:nth-child(10) {{ font-family: monospace; word-break: break-all; }}
</style></head>
<body>
<h1>Exhibit schedule: {escape(case.urn)}</h1>
<table>{facts}</table>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p>To verify this bundle offline, see <code>VERIFY.txt</code> beside <code>data/</code>.</p>
</body></html>
"""
    return page.encode("utf-8")
