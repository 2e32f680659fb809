"""What the domain needs from the outside world; adapters in ``storage`` provide it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, Self

from evidence.custody import Actor

if TYPE_CHECKING:
    # Only the annotations below need these, and a command that reads one item should not
    # load accounts, cases, search and transcripts to start. Some feature modules also
    # import this one for ``ObjectStore``.
    from evidence.accounts import Tokens, Users
    from evidence.audit import AuditEvent
    from evidence.bundle import BundleSource
    from evidence.case_ports import Cases
    from evidence.model import CustodyEvent, EvidenceItem, MediaInfo, Rejection
    from evidence.search import Hit, SearchFilters
    from evidence.throttle import SignInThrottle
    from evidence.tlog import TransparencyLog
    from evidence.transcripts import Recognition, Transcript


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    location: str


class ObjectStore(Protocol):
    """Immutable, content-addressed object storage."""

    url: str

    def put(
        self, source: BinaryIO, *, expected_sha256: str | None = None, label: str = ""
    ) -> StoredObject:
        """Store ``source`` under its SHA-256 content address, hashing while it streams.

        Raises ``FixityError`` before anything is committed if ``expected_sha256`` differs.
        Storing bytes that are already held is not an error and returns the same key.
        """
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]: ...

    def open_range(self, key: str, start: int, length: int) -> AbstractContextManager[BinaryIO]:
        """A stream of bytes ``start`` .. ``start + length - 1`` of ``key``, and nothing else.

        Only those bytes are read from the store, so a range at the end of a large object
        costs what it returns. ``length`` is at least 1. Raises ``NotFound`` for a missing
        key and ``InvalidInput`` for a range that does not lie wholly inside the object.
        """
        ...

    def exists(self, key: str) -> bool: ...

    def location(self, key: str) -> str: ...

    def describe(self, key: str) -> dict[str, Any]:
        """Size and retention facts about a stored object, as the store reports them."""
        ...

    def put_named(self, key: str, data: bytes) -> bool:
        """Write ``data`` under the name ``key`` once, as immutable as evidence.

        True when written now; False when these very bytes were already there (a rerun).
        Other bytes under the name are never replaced: that raises ``Conflict``.
        """
        ...

    def get_named(self, key: str) -> bytes:
        """The bytes first written under ``key`` (``NotFound`` when there are none)."""
        ...

    def list_named(self, folder: str) -> list[str]:
        """The names of the objects in ``folder`` (e.g. ``log/checkpoints``), sorted."""
        ...


class MediaProbe(Protocol):
    def probe(self, path: Path, label: str) -> MediaInfo:
        """Describe the media, raising ``MediaError`` if it is not decodable or is truncated."""
        ...


EventStep = tuple[str, Actor, str, dict[str, Any], datetime]


class Repository(Protocol):
    def add_item(self, item: EvidenceItem, steps: Sequence[EventStep]) -> EvidenceItem:
        """Register an item with its first custody events, atomically.

        Raises ``Conflict`` if an item with the same digest is already registered.
        """
        ...

    def append_event(
        self, item_id: str, action: str, actor: Actor, details: dict[str, Any]
    ) -> CustodyEvent: ...

    def get_item(self, item_id: str) -> EvidenceItem: ...

    def find_by_sha256(self, sha256: str) -> EvidenceItem | None: ...

    def find_same_recording(
        self, source_path: str, device: str | None, recorded_at: datetime | None
    ) -> EvidenceItem | None: ...

    def list_items(
        self, limit: int | None = None, officer: str | None = None
    ) -> list[EvidenceItem]:
        """Newest first; only the items carrying ``officer``'s collar id when one is given."""
        ...

    def list_shared_items(self, user_name: str, limit: int | None = None) -> list[EvidenceItem]:
        """Newest first, the items linked to the cases shared with ``user_name`` (CPS)."""
        ...

    def shared_item_ids(self, user_name: str) -> set[str]:
        """The ids of the items linked to the cases shared with ``user_name`` (CPS)."""
        ...

    def iter_items(self) -> Iterator[EvidenceItem]: ...

    def custody(self, item_id: str) -> list[CustodyEvent]: ...

    def custody_snapshot(self, item_id: str) -> tuple[EvidenceItem, list[CustodyEvent]]:
        """The item and its custody log as they stood at one moment: no append falls
        between reading the item's recorded head and reading the events."""
        ...

    def correct_details(
        self, item_id: str, changes: dict[str, Any], actor: Actor, reason: str
    ) -> CustodyEvent:
        """Change item details lawfully: the row and a ``details-corrected`` event that
        commits the new values, in one transaction."""
        ...

    def add_rejection(self, rejection: Rejection) -> None: ...

    def rejections(self) -> list[Rejection]: ...


ProgressHook = Callable[[dict[str, Any]], None]


class Transcriber(Protocol):
    def transcribe(self, media: Path, label: str) -> Recognition:
        """Extract the audio of ``media`` and recognise its speech.

        A file with no audio track, or with no speech in it, gives a ``no-speech`` result
        with the reason; a failure to decode or recognise raises ``TranscriptionError``.
        """
        ...


class TranscriptRepository(Protocol):
    """Transcript versions per item, one current; inside the unit of work that saves them."""

    def next_version(self, item_id: str) -> int: ...

    def save(
        self,
        transcript: Transcript,
        action: str,
        actor: Actor,
        details: dict[str, Any],
        claim_holder: str | None = None,
    ) -> None:
        """Add the transcript and its segments and append the custody event on its item;
        they commit with the unit of work (``Conflict`` if the version was taken, or if
        ``claim_holder`` no longer holds the item's transcription claim)."""
        ...

    def current(self, item_id: str) -> Transcript | None:
        """The newest transcript that finished (with speech or with none), if any."""
        ...

    def latest_failure(self, item_id: str) -> Transcript | None: ...

    def get(self, item_id: str, version: int) -> Transcript | None: ...

    def versions(self, item_id: str) -> list[dict[str, Any]]:
        """Every version, oldest first: version, status, reason, model, sha256, created_at,
        current."""
        ...

    def pending_item_ids(self) -> list[str]:
        """Items with no finished transcript: never transcribed, or every attempt failed."""
        ...


class SearchIndex(Protocol):
    def search(self, query: str, filters: SearchFilters) -> list[Hit]:
        """Ranked hits in current transcripts within ``filters``; ``InvalidInput`` for a
        malformed query, before the index sees it."""
        ...


class AuditTrail(Protocol):
    """The hash-chained audit trail: who looked at or changed what, from where, and when."""

    def record(
        self,
        actor: str,
        role: str,
        action: str,
        target: str,
        address: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append an event; it commits with the unit of work it was recorded in."""
        ...

    def events(self, target: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        """Oldest first: the newest ``limit`` events (about ``target`` when one is given)."""
        ...


class UnitOfWork(Protocol):
    """One use case's transaction and the repositories that work inside it.

    ``with uow:`` begins it; ``uow.commit()`` makes everything done inside permanent at once;
    leaving the block without committing (or by an exception) rolls all of it back. A use
    case that is refused after recording its refusal commits the record, then raises.
    """

    # Read-only properties rather than plain attributes: an adapter's repositories are its
    # own classes, which a protocol's mutable attributes would refuse (they are invariant).
    @property
    def items(self) -> Repository: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def transcripts(self) -> TranscriptRepository: ...

    @property
    def search(self) -> SearchIndex: ...

    @property
    def users(self) -> Users: ...

    @property
    def tokens(self) -> Tokens: ...

    @property
    def throttle(self) -> SignInThrottle: ...

    @property
    def tlog(self) -> TransparencyLog: ...

    @property
    def bundles(self) -> BundleSource: ...

    @property
    def cases(self) -> Cases: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
