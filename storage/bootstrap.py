"""Build the adapters from settings: the one place that knows which implementation runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from sqlalchemy import Engine

from evidence.errors import ConfigurationError
from evidence.ports import ObjectStore
from evidence.quarantine import Quarantine
from evidence.settings import Settings, get_settings
from storage.database import forget_migrations, make_engine, migrate
from storage.local_store import LocalStore
from storage.unit_of_work import SqlRepository, SqlUnitOfWork, unit_of_work_factory

if TYPE_CHECKING:
    from evidence.ingest import Ingestor
    from evidence.services.log import Installation
    from storage.inbox_repository import InboxDocks
    from storage.transcription_claims import SqlTranscriptionClaims
    from storage.upload_repository import UploadJobs


@dataclass
class Services:
    settings: Settings
    engine: Engine
    repo: SqlRepository
    store: ObjectStore
    quarantine: Quarantine

    def __post_init__(self) -> None:
        self._new_uow = unit_of_work_factory(self.engine)

    def unit_of_work(self) -> SqlUnitOfWork:
        """A fresh unit of work on this database: one use case's transaction."""
        return self._new_uow()

    def upload_jobs(self) -> UploadJobs:
        """The upload job table, whose claims are transactions of their own."""
        from storage.upload_repository import UploadJobs

        return UploadJobs(self.engine, self.settings.job_lease_seconds)

    def inbox_docks(self, inbox: str) -> InboxDocks:
        """The ledger of an S3 inbox's docks, whose claims are transactions of their own."""
        from storage.inbox_repository import InboxDocks

        return InboxDocks(self.engine, inbox, self.settings.job_lease_seconds)

    def transcription_claims(self) -> SqlTranscriptionClaims:
        """Which pool run is transcribing which item; claims are transactions of their own."""
        from storage.transcription_claims import SqlTranscriptionClaims

        return SqlTranscriptionClaims(self.engine, self.settings.transcription_lease_seconds)

    def installation(self) -> Installation:
        """The store, signing key, organisation and time-stamping authority that sign and
        keep the transparency log's checkpoints and the bundles."""
        from evidence.services.log import Installation
        from evidence.signing import signing_key
        from storage.tsa import HttpTimeStamper

        url = self.settings.tsa_url
        return Installation(
            store=self.store,
            key=signing_key(self.settings),
            organisation=self.settings.organisation,
            stamper=HttpTimeStamper(url) if url else None,
        )

    def ingestor(self) -> Ingestor:
        # Imported here: ingest's rules (sidecars, docks) and ffprobe are for ingest only.
        from evidence.ingest import Ingestor
        from storage.media import FfmpegProbe

        return Ingestor(self.repo, self.store, FfmpegProbe(), self.quarantine)


def make_store(settings: Settings) -> ObjectStore:
    url = settings.resolved_store_url
    scheme = urlparse(url).scheme
    if scheme == "file":
        return LocalStore.from_url(url)
    if scheme == "s3":
        from storage.s3_store import S3Store

        return S3Store.from_url(url, settings)
    raise ConfigurationError(f"EVIDENCE_STORE_URL {url!r}: use file:///path or s3://bucket")


_services: Services | None = None
_lock = threading.Lock()


def get_services() -> Services:
    """The adapters for the current settings, built once per process."""
    global _services
    with _lock:
        if _services is None:
            settings = get_settings()
            settings.resolved_home.mkdir(parents=True, exist_ok=True)
            engine = make_engine(settings.resolved_database_url)
            migrate(engine)
            _services = Services(
                settings=settings,
                engine=engine,
                repo=SqlRepository(engine),
                store=make_store(settings),
                quarantine=Quarantine(settings.quarantine_dir),
            )
        return _services


def reset_services() -> None:
    """Forget the built adapters and settings (tests switch homes and databases)."""
    global _services
    with _lock:
        if _services is not None:
            _services.engine.dispose()
        _services = None
        get_settings.cache_clear()
        forget_migrations()
