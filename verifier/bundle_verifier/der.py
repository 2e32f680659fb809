"""Just enough DER (X.690) reading to take an RFC 3161 time-stamp token apart.

A value is read as (tag byte, start of its content, end of its content, start of its
header); the caller walks the structure it expects and checks each tag as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE, SET, INTEGER, OCTET_STRING, OID, GENERALIZED_TIME = 0x30, 0x31, 0x02, 0x04, 0x06, 0x18


class DerError(ValueError):
    """The bytes are not the DER structure expected."""


@dataclass(frozen=True)
class Tlv:
    data: bytes
    tag: int
    header: int
    start: int
    end: int

    @property
    def content(self) -> bytes:
        return self.data[self.start : self.end]

    @property
    def encoded(self) -> bytes:
        """The whole value, header included."""
        return self.data[self.header : self.end]

    def children(self) -> list[Tlv]:
        items, pos = [], self.start
        while pos < self.end:
            item = read(self.data, pos, self.end)
            items.append(item)
            pos = item.end
        return items

    def expect(self, tag: int, what: str) -> Tlv:
        if self.tag != tag:
            raise DerError(f"{what}: expected tag {tag:#04x}, found {self.tag:#04x}")
        return self

    def only_child(self, what: str) -> Tlv:
        children = self.children()
        if len(children) != 1:
            raise DerError(f"{what}: expected one value inside, found {len(children)}")
        return children[0]


def read(data: bytes, pos: int = 0, limit: int | None = None) -> Tlv:
    limit = len(data) if limit is None else limit
    if pos + 2 > limit:
        raise DerError("truncated value")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used here")
    start = pos + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > limit:
            raise DerError("bad length")
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + length > limit:
        raise DerError("value runs past its container")
    return Tlv(data, tag, pos, start, start + length)


def parse(data: bytes) -> Tlv:
    top = read(data)
    if top.end != len(data):
        raise DerError("trailing bytes after the value")
    return top


def oid(value: Tlv) -> str:
    raw = value.expect(OID, "object identifier").content
    if not raw:
        raise DerError("empty object identifier")
    arcs, current = [], 0
    for byte in raw:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def integer(value: Tlv) -> int:
    return int.from_bytes(value.expect(INTEGER, "integer").content, "big", signed=True)
