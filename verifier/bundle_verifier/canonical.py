"""The canonical bytes behind every custody and audit hash, by format version.

Format 1 (events written before format versions existed, which carry no ``format`` key):
Python's ``json.dumps`` with sorted keys, no spaces and UTF-8 output. Format 2: RFC 8785,
the JSON Canonicalization Scheme, which any language can reproduce.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

CURRENT_FORMAT = 2
FORMATS = (1, 2)


def canonical_bytes(value: Any, format: int) -> bytes:
    if format == 1:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    if format == 2:
        return rfc8785.dumps(value)
    raise ValueError(f"unknown canonical format {format!r}; this verifier knows {FORMATS}")


def event_hash(fields: dict[str, Any]) -> str:
    """Lowercase hex SHA-256 over every field but ``hash``, in the event's own format."""
    hashed = {key: value for key, value in fields.items() if key != "hash"}
    return hashlib.sha256(canonical_bytes(hashed, fields.get("format", 1))).hexdigest()


def leaf_entry(log: str, record: dict[str, Any]) -> bytes:
    """The bytes a Merkle leaf commits to: the full record (hash included) and its log."""
    return rfc8785.dumps({"log": log, "event": record})
