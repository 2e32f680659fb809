"""Claims on items being transcribed: at most one run transcribes an item at a time.

A run claims the item (a row keyed by the item id), renews its lease while it works and
deletes the row when done. A second run of the same item finds the row and stands back; a
row whose lease has run out was left by a run that died (its host lost, its process killed)
and the next claimant takes it over. Saving a transcript under a claim checks, in the
saving transaction, that the claim is still this run's: a run that stalled past its lease
and was overtaken cannot add a second version.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from evidence.model import utcnow
from storage.transcript_tables import TranscriptionClaimRow


@dataclass(frozen=True)
class Claim:
    item_id: str
    holder: str
    host: str
    claimed_at: datetime
    expires_at: datetime


class SqlTranscriptionClaims:
    def __init__(self, engine: Engine, lease_seconds: float) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.lease = timedelta(seconds=lease_seconds)

    def claim(self, item_id: str, holder: str) -> Claim | None:
        """Take the item for ``holder``; ``None`` if another holder's lease still runs."""
        now = utcnow()
        try:
            with self.sessions.begin() as session:
                row = session.get(TranscriptionClaimRow, item_id, with_for_update=True)
                if row is None:
                    row = TranscriptionClaimRow(item_id=item_id, claimed_at=now)
                    session.add(row)
                elif row.holder != holder and row.expires_at > now:
                    return None
                else:
                    row.claimed_at = now
                row.holder, row.host = holder, socket.gethostname()[:255]
                row.expires_at = now + self.lease
                session.flush()
                return _claim(row)
        except IntegrityError:
            return None  # another run inserted its claim between our read and our write

    def renew(self, item_id: str, holder: str) -> bool:
        """Extend ``holder``'s lease; ``False`` if the claim is no longer theirs."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(TranscriptionClaimRow)
                .where(
                    TranscriptionClaimRow.item_id == item_id,
                    TranscriptionClaimRow.holder == holder,
                )
                .values(expires_at=utcnow() + self.lease)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release(self, item_id: str, holder: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                delete(TranscriptionClaimRow).where(
                    TranscriptionClaimRow.item_id == item_id,
                    TranscriptionClaimRow.holder == holder,
                )
            )

    def holder_of(self, item_id: str) -> Claim | None:
        with self.sessions() as session:
            row = session.get(TranscriptionClaimRow, item_id)
            return _claim(row) if row else None

    def all(self, live_only: bool = False) -> list[Claim]:
        """Every claim, or only those whose lease still runs (items a live run holds)."""
        query = select(TranscriptionClaimRow).order_by(TranscriptionClaimRow.claimed_at)
        if live_only:
            query = query.where(TranscriptionClaimRow.expires_at > utcnow())
        with self.sessions() as session:
            return [_claim(row) for row in session.scalars(query)]

    @contextmanager
    def held(self, item_id: str, holder: str) -> Iterator[Claim | None]:
        """Claim the item, renew the lease in the background while the block runs, release
        it after; yields ``None`` (and holds nothing) when another run has it."""
        claim = self.claim(item_id, holder)
        if claim is None:
            yield None
            return
        stop = threading.Event()
        renewer = threading.Thread(
            target=self._keep, args=(item_id, holder, stop), name=f"claim {item_id}", daemon=True
        )
        renewer.start()
        try:
            yield claim
        finally:
            stop.set()
            renewer.join()
            self.release(item_id, holder)

    def _keep(self, item_id: str, holder: str, stop: threading.Event) -> None:
        while not stop.wait(self.lease.total_seconds() / 3):
            if not self.renew(item_id, holder):
                return


def claim_is_held(session: Session, item_id: str, holder: str) -> bool:
    """Inside a saving transaction: is the item's claim still ``holder``'s (row locked)?"""
    found = session.scalar(
        select(TranscriptionClaimRow.holder)
        .where(TranscriptionClaimRow.item_id == item_id)
        .with_for_update()
    )
    return found == holder


def _claim(row: TranscriptionClaimRow) -> Claim:
    return Claim(row.item_id, row.holder, row.host, row.claimed_at, row.expires_at)
