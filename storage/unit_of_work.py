"""The SQLAlchemy unit of work: one session, one transaction, one commit per use case."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from evidence.custody import Actor
from evidence.errors import CustodyBroken
from evidence.model import CustodyEvent, EvidenceItem, Rejection
from evidence.ports import EventStep
from storage.repository import SqlItems

if TYPE_CHECKING:
    from storage.accounts import SqlTokens, SqlUsers
    from storage.audit_trail import SqlAuditTrail
    from storage.bundle_source import SqlBundleSource
    from storage.case_repository import SqlCases
    from storage.search_session import SqlSearch
    from storage.sign_in_throttle import SqlSignInThrottle
    from storage.tlog_repository import SqlTransparencyLog
    from storage.transcript_repository import SqlTranscriptRepository

T = TypeVar("T")
# A writer that loses a race on a chain's sequence number (the unique constraint) runs its
# whole unit of work again; the row and advisory locks make that rare.
ATTEMPTS = 5


class SqlUnitOfWork:
    """The repositories of one session. Each is built (and its module imported) when a use
    case first asks for it, so a command that reads one item loads no case or account code."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __enter__(self) -> Self:
        self.session = self.sessions()
        for name in _REPOSITORIES:  # a unit of work used again starts with a new session
            self.__dict__.pop(name, None)
        return self

    @cached_property
    def items(self) -> SqlItems:
        return SqlItems(self.session)

    @cached_property
    def audit(self) -> SqlAuditTrail:
        from storage.audit_trail import SqlAuditTrail

        return SqlAuditTrail(self.session)

    @cached_property
    def transcripts(self) -> SqlTranscriptRepository:
        from storage.transcript_repository import SqlTranscriptRepository

        return SqlTranscriptRepository(self.session, self.items)

    @cached_property
    def search(self) -> SqlSearch:
        from storage.search_session import SqlSearch

        return SqlSearch(self.session)

    @cached_property
    def users(self) -> SqlUsers:
        from storage.accounts import SqlUsers

        return SqlUsers(self.session)

    @cached_property
    def tokens(self) -> SqlTokens:
        from storage.accounts import SqlTokens

        return SqlTokens(self.session)

    @cached_property
    def throttle(self) -> SqlSignInThrottle:
        from storage.sign_in_throttle import SqlSignInThrottle

        return SqlSignInThrottle(self.session)

    @cached_property
    def tlog(self) -> SqlTransparencyLog:
        from storage.tlog_repository import SqlTransparencyLog

        return SqlTransparencyLog(self.session)

    @cached_property
    def cases(self) -> SqlCases:
        from storage.case_repository import SqlCases

        return SqlCases(self.session)

    @cached_property
    def bundles(self) -> SqlBundleSource:
        from storage.bundle_source import SqlBundleSource

        return SqlBundleSource(self.cases, self.transcripts)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        if isinstance(exc, CustodyBroken) and not exc.recorded:
            self._record_break(exc)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def _record_break(self, exc: CustodyBroken) -> None:
        """Record a refused append on a broken chain in the audit trail, in a transaction of
        its own once the refused one has rolled back (on SQLite a second writer would wait
        for it); there the item's page shows it, and removing it breaks that chain."""
        with SqlUnitOfWork(self.sessions) as uow:
            uow.audit.record(
                str(exc.facts["actor"])[:64],
                "system",
                "custody-break",
                f"item:{exc.item_id}",
                str(exc.facts["host"])[:64],
                {**exc.facts, "problem": str(exc)},
            )
            uow.commit()
        exc.recorded = True


_REPOSITORIES = [name for name, v in vars(SqlUnitOfWork).items() if isinstance(v, cached_property)]


def unit_of_work_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    sessions = sessionmaker(engine, expire_on_commit=False)
    return lambda: SqlUnitOfWork(sessions)


def run_once(new_uow: Callable[[], SqlUnitOfWork], work: Callable[[SqlUnitOfWork], T]) -> T:
    """Run ``work`` in a unit of work and commit; a lost race on a sequence number runs it
    again in a fresh one."""
    for attempt in range(ATTEMPTS):
        try:
            with new_uow() as uow:
                result = work(uow)
                uow.commit()
                return result
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


class SqlRepository:
    """The ``Repository`` port for callers whose use case is a single step: each call is a
    unit of work of its own (ingest registers an item, a flow appends one event)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.new_uow = unit_of_work_factory(engine)

    def _run(self, work: Callable[[SqlItems], T]) -> T:
        return run_once(self.new_uow, lambda uow: work(uow.items))

    def add_item(self, item: EvidenceItem, steps: Sequence[EventStep]) -> EvidenceItem:
        return self._run(lambda items: items.add_item(item, steps))

    def append_event(
        self, item_id: str, action: str, actor: Actor, details: dict[str, Any]
    ) -> CustodyEvent:
        return self._run(lambda items: items.append_event(item_id, action, actor, details))

    def correct_details(
        self, item_id: str, changes: dict[str, Any], actor: Actor, reason: str
    ) -> CustodyEvent:
        return self._run(lambda items: items.correct_details(item_id, changes, actor, reason))

    def get_item(self, item_id: str) -> EvidenceItem:
        return self._run(lambda items: items.get_item(item_id))

    def find_by_sha256(self, sha256: str) -> EvidenceItem | None:
        return self._run(lambda items: items.find_by_sha256(sha256))

    def find_same_recording(
        self, source_path: str, device: str | None, recorded_at: datetime | None
    ) -> EvidenceItem | None:
        return self._run(lambda items: items.find_same_recording(source_path, device, recorded_at))

    def list_items(
        self, limit: int | None = None, officer: str | None = None
    ) -> list[EvidenceItem]:
        return self._run(lambda items: items.list_items(limit, officer))

    def list_shared_items(self, user_name: str, limit: int | None = None) -> list[EvidenceItem]:
        return self._run(lambda items: items.list_shared_items(user_name, limit))

    def shared_item_ids(self, user_name: str) -> set[str]:
        return self._run(lambda items: items.shared_item_ids(user_name))

    def iter_items(self) -> Iterator[EvidenceItem]:
        with self.new_uow() as uow:
            yield from uow.items.iter_items()

    def custody(self, item_id: str) -> list[CustodyEvent]:
        return self._run(lambda items: items.custody(item_id))

    def custody_snapshot(self, item_id: str) -> tuple[EvidenceItem, list[CustodyEvent]]:
        return self._run(lambda items: items.custody_snapshot(item_id))

    def add_rejection(self, rejection: Rejection) -> None:
        self._run(lambda items: items.add_rejection(rejection))

    def rejections(self) -> list[Rejection]:
        return self._run(lambda items: items.rejections())
