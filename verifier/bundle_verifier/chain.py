"""Hash chains of event records (custody logs, the audit trail), checked offline.

Each record carries ``seq`` (1, 2, ...), ``prev_hash`` (the hash of the record before it, or
64 zeros for the first) and ``hash``, the canonical.event_hash of every other field in the
record's own format version. An edited, removed, inserted or reordered record breaks it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bundle_verifier.canonical import event_hash

GENESIS = "0" * 64


def _hash_or_problem(fields: dict[str, Any]) -> tuple[str | None, str | None]:
    try:
        return event_hash(fields), None
    except (ValueError, TypeError) as exc:
        return None, f"its canonical form cannot be computed ({exc})"


def link_problems(
    records: Sequence[dict[str, Any]], label: Callable[[dict[str, Any], int], str]
) -> tuple[list[str], str]:
    """The breaks in a chain of records, and the hash it ends at."""
    problems: list[str] = []
    previous_hash = GENESIS
    for position, fields in enumerate(records, start=1):
        name = label(fields, position)
        if fields.get("seq") != position:
            problems.append(f"{name}: sequence number {fields.get('seq')} where {position} belongs")
        if fields.get("prev_hash") != previous_hash:
            problems.append(f"{name}: does not follow the event before it (previous hash differs)")
        computed, reason = _hash_or_problem(fields)
        if reason is not None:
            problems.append(f"{name}: {reason}")
        elif computed != fields.get("hash"):
            problems.append(f"{name}: its content was changed after it was recorded")
        previous_hash = str(fields.get("hash"))
    return problems, previous_hash


def verify_chain(records: Sequence[dict[str, Any]], expected_head: str | None = None) -> list[str]:
    """Every problem in a custody log, in order; an empty list means it is intact."""
    problems, previous_hash = link_problems(
        records, lambda fields, position: f"event {position} ({fields.get('action', '?')})"
    )
    if not records:
        problems.append("the custody log is empty")
    elif expected_head is not None and previous_hash != expected_head:
        problems.append(
            f"the log ends at {previous_hash[:12]}…, not at the recorded head "
            f"{expected_head[:12]}…: events are missing from the end"
        )
    return problems
