"""A reference a fake repository holds to another part of the same unit of work."""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar

T = TypeVar("T")


class Shared(Generic[T]):
    """Kept as it is by the unit of work's snapshots (never copied), so a restored fake
    still points at the live unit of work rather than at a copy of it."""

    def __init__(self, target: T) -> None:
        self.target = target

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self
