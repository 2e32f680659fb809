"""Sidecar metadata (``<media name>.json``) written by a dock beside each file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from evidence.errors import InvalidInput
from evidence.hashing import is_sha256

SIDECAR_LIMIT = 1024 * 1024


class Sidecar(BaseModel):
    """Known fields are checked; unknown fields are kept as they came."""

    model_config = ConfigDict(extra="allow")

    officer: str | None = None
    device: str | None = None
    recorded_at: datetime | None = None
    incident: str | None = None
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
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

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
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{name}: sidecar is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: sidecar must be a JSON object")
    try:
        return Sidecar.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidInput(f"{name}: sidecar field {problems}") from exc
