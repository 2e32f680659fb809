"""One error tree for the whole pipeline.

Messages name the file or item and the reason in plain words; entrypoints map the classes
to exit codes and HTTP statuses in one place.
"""

from __future__ import annotations


class EvidenceError(Exception):
    """Base of every error the pipeline raises on purpose."""


class InvalidInput(EvidenceError):
    """Input that is not acceptable as evidence (bad file, bad sidecar, bad argument)."""


class UnsafePath(InvalidInput):
    """A path that is absolute, climbs out of its root, or is a symbolic link."""


class MediaError(InvalidInput):
    """A file that is not decodable media, or is truncated or corrupt."""


class FixityError(EvidenceError):
    """Bytes that do not match their recorded digest, or a broken custody chain."""


class CustodyBroken(FixityError):
    """A custody log whose last event is not the head recorded on its item: appending to it
    would hide the break, so the append is refused and the break is recorded."""

    def __init__(self, message: str, item_id: str, facts: dict[str, object]) -> None:
        super().__init__(message)
        self.item_id = item_id
        self.facts = facts
        self.recorded = False


class StoreError(EvidenceError):
    """The object store could not store or return an object."""


class TranscriptionError(EvidenceError):
    """Audio extraction or speech recognition failed."""


class NotFound(EvidenceError):
    """No such item, case or object."""


class PermissionDenied(EvidenceError):
    """The actor may not do this; ``target`` names what was refused, for the audit trail.

    ``recorded`` is set once the refusal is in the audit trail (a service records it), so
    an entrypoint does not record it twice."""

    def __init__(self, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.target = target
        self.recorded = False


class Conflict(EvidenceError):
    """The request clashes with what is already recorded."""


class ConfigurationError(EvidenceError):
    """A setting is missing or wrong."""


class TooLarge(EvidenceError):
    """Input larger than a configured limit allows (one upload's size)."""


class QuotaExceeded(EvidenceError):
    """Taking this in could push storage past its configured quota."""
