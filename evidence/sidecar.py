"""Sidecar metadata (``<media name>.json``) written by a dock beside each file.

A sidecar comes from outside, so it is checked before anything is built from it: nesting
is bounded before the JSON is parsed (a deeply nested one would exhaust the parser's stack),
``NaN`` and infinities are refused (JSON has no such numbers, and the canonical JSON that
custody events are hashed in cannot hold them), every text must be valid Unicode without NUL,
integers must be exactly representable in canonical JSON, and the fields the database keeps
in columns fit those columns (``FIELD_LENGTHS``).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evidence.errors import InvalidInput
from evidence.hashing import is_sha256

SIDECAR_LIMIT = 1024 * 1024
MAX_DEPTH = 32
# The widths of the item columns these fields are kept in (storage/tables.py).
FIELD_LENGTHS = {"officer": 64, "device": 128, "incident": 64}
# RFC 8785 numbers are IEEE doubles: larger integers would not be recorded exactly.
LARGEST_EXACT_INTEGER = 2**53 - 1


class Sidecar(BaseModel):
    """Known fields are checked; unknown fields are kept as they came."""

    model_config = ConfigDict(extra="allow")

    officer: str | None = Field(default=None, max_length=FIELD_LENGTHS["officer"])
    device: str | None = Field(default=None, max_length=FIELD_LENGTHS["device"])
    recorded_at: datetime | None = None
    incident: str | None = Field(default=None, max_length=FIELD_LENGTHS["incident"])
    kind: str | None = None
    sha256: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and value not in ("bwv", "call"):
            raise ValueError("must be 'bwv' or 'call'")
        return value

    @field_validator("sha256")
    @classmethod
    def _sha256(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if not is_sha256(value):
            raise ValueError("must be 64 hexadecimal characters")
        return value

    @field_validator("recorded_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("is outside the range of dates that can be recorded") from exc

    @field_validator("officer", "device", "incident", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, int | float):
            return str(value)
        return value.strip() or None if isinstance(value, str) else value

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def parse_sidecar(raw: bytes, name: str) -> Sidecar:
    if len(raw) > SIDECAR_LIMIT:
        raise InvalidInput(f"{name}: sidecar larger than {SIDECAR_LIMIT} bytes")
    try:
        text = raw.decode("utf-8")
        if _depth(text) > MAX_DEPTH:
            raise InvalidInput(f"{name}: sidecar is nested more than {MAX_DEPTH} levels deep")
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError, too many digits
        raise InvalidInput(f"{name}: sidecar is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: sidecar must be a JSON object")
    problem = unrecordable(data)
    if problem:
        raise InvalidInput(f"{name}: sidecar {problem}")
    try:
        return Sidecar.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidInput(f"{name}: sidecar field {problems}") from exc


def require_recordable(name: str, value: str | None) -> None:
    """Refuse an officer or incident given outside a sidecar that could not be recorded."""
    if value is None:
        return
    problem = unrecordable(value)
    if problem is None and len(value) > FIELD_LENGTHS[name]:
        problem = f"is longer than the {FIELD_LENGTHS[name]} characters recorded for it"
    if problem is not None:
        shown = value.encode("utf-8", "backslashreplace").decode("utf-8")[:80]
        raise InvalidInput(f"{name} {shown!r}: {problem}")


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a number; JSON has no NaN or Infinity")


def _depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``, brackets inside strings aside."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def unrecordable(data: Any) -> str | None:
    """Why a parsed sidecar cannot be recorded faithfully, or None if it can."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "holds a NUL character (\\u0000), which text cannot be recorded with"
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "holds text that is not valid Unicode (an unpaired surrogate escape)"
        elif isinstance(value, float) and not math.isfinite(value):
            return f"holds the number {value}, too large for JSON to represent"
        elif isinstance(value, int) and abs(value) > LARGEST_EXACT_INTEGER:
            return (
                f"holds the integer {value}, too large to be recorded exactly "
                "(at most 2^53 - 1); write it as a string"
            )
    return None
