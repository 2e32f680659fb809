"""Settings from the environment (prefix ``EVIDENCE_``), with working defaults.

The embedded default keeps everything under ``EVIDENCE_HOME``: a SQLite database, the local
object store, the quarantine and the signing key.

A pydantic model fed the ``EVIDENCE_*`` variables (names matched whatever their case, as
pydantic-settings does; arguments win over the environment), and validated as any model:
every setting is a plain value, so pydantic-settings' other sources (.env files, secrets
folders, JSON-valued variables) had nothing to do but cost each command a twentieth of a
second to import.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evidence.errors import ConfigurationError

PREFIX = "EVIDENCE_"


def _default_home() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "bwv-evidence"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(), **values})

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    store_url: str | None = None

    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    s3_retention_days: int = Field(default=2557, ge=1)
    # A store that accepts connections but never answers must fail a command in well under a
    # minute: (retries + 1) * read timeout, plus a little back-off, is 45 s by default.
    s3_connect_timeout: float = Field(default=5.0, gt=0)
    s3_read_timeout: float = Field(default=15.0, gt=0)
    s3_retries: int = Field(default=2, ge=0, le=10)

    # Without PREFECT_API_URL: "background" starts one local Prefect server under the home
    # and reuses it; "ephemeral" lets Prefect start a temporary one inside every command.
    prefect_server: Literal["background", "ephemeral"] = "background"

    whisper_model: str | None = None
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    whisper_cpu_threads: int = Field(default=0, ge=0)
    whisper_beam_size: int = Field(default=5, ge=1)
    whisper_language: str | None = None
    # Transcriptions at once on one host (a Prefect global concurrency limit on a pool);
    # 0: as many as fit the cores, cores // whisper threads.
    transcription_slots: int = Field(default=0, ge=0)
    # A transcribing run renews its claim on the item this often (a third of the lease); a
    # claim not renewed for this long was left by a run that died, and is taken over.
    transcription_lease_seconds: float = Field(default=120.0, ge=1)

    organisation: str = "Police Force (unset: EVIDENCE_ORGANISATION)"
    signing_key: Path | None = None
    link_window_minutes: int = Field(default=120, ge=0)
    tsa_url: str | None = None

    upload_max_bytes: int = Field(default=16 * 1024**3, ge=1)
    quarantine_quota_bytes: int = Field(default=64 * 1024**3, ge=0)

    # Who the CLI acts as: the OS user (or --officer) with this role; its reads are audited
    # like the web app's. "console" may do everything; a workstation can be narrowed to
    # "investigator", "officer" or "cps".
    console_role: str = "console"

    # An S3 prefix dock stations upload to (s3://bucket/prefix), on the S3 settings above.
    inbox_url: str | None = None
    # Web upload jobs: "thread" (in the web process), "pool" (a run of the ingest-upload
    # deployment on the work pool) or "auto": the pool when PREFECT_API_URL names a server
    # that has the deployment.
    upload_runner: str = Field(default="auto", pattern="^(auto|thread|pool)$")
    # A claimed job or inbox dock whose runner sent no heartbeat for this long is taken over.
    job_lease_seconds: int = Field(default=300, ge=1)
    # Upload folders that belong to no job (a crash mid-request) are removed after this.
    upload_sweep_minutes: int = Field(default=60, ge=1)

    signin_max_failures: int = Field(default=5, ge=1)
    signin_max_failures_per_address: int = Field(default=20, ge=1)
    signin_window_seconds: int = Field(default=900, ge=1)
    signin_lockout_seconds: int = Field(default=60, ge=1)
    signin_max_lockout_seconds: int = Field(default=900, ge=1)

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / 'evidence.sqlite3'}"

    @property
    def resolved_store_url(self) -> str:
        if self.store_url:
            return self.store_url
        return (self.resolved_home / "store").as_uri()

    @property
    def quarantine_dir(self) -> Path:
        return self.resolved_home / "quarantine"


def _from_environment() -> dict[str, str]:
    """Each setting's ``EVIDENCE_<NAME>`` variable that is set, by the setting's name."""
    wanted = {PREFIX + name.upper(): name for name in Settings.model_fields}
    return {
        wanted[variable.upper()]: value
        for variable, value in os.environ.items()
        if variable.upper() in wanted
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; a value that cannot be used is a configuration
    error naming its variable, the value and why."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_explained(exc)) from None


def _explained(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = PREFIX + str(error["loc"][0]).upper() if error["loc"] else "settings"
        problems.append(f"{variable}={error['input']!r}: {error['msg']}")
    return "; ".join(problems)
