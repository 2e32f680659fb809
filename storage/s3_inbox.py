"""The S3 inbox docks are uploaded to (``EVIDENCE_INBOX_URL=s3://bucket/prefix``): read only.

The watcher lists, reads and downloads; it never writes, replaces or deletes an inbox
object, so its credentials can be read-only (what was ingested is kept in the database).
The connection uses the store's settings and the same bounded patience (``s3_http``).
"""

from __future__ import annotations

import contextlib
from typing import BinaryIO, cast
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error

from evidence.errors import ConfigurationError, StoreError
from evidence.hashing import Digest, copy_and_hash
from evidence.inbox import DockChanged, DockFile, InboxObject
from evidence.settings import Settings
from storage.s3_http import bounded_http_client, s3_errors

MISSING = frozenset({"NoSuchKey", "NoSuchBucket"})


class S3Inbox:
    def __init__(self, url: str, client: Minio, endpoint: str) -> None:
        parsed = urlsplit(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ConfigurationError(f"{url}: EVIDENCE_INBOX_URL looks like s3://bucket[/prefix]")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.url = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self._client = client
        self._endpoint = endpoint

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Inbox:
        url = settings.inbox_url
        if not url:
            raise ConfigurationError("no inbox: set EVIDENCE_INBOX_URL to s3://bucket/prefix")
        missing = [
            f"EVIDENCE_S3_{name.upper()}"
            for name in ("endpoint", "access_key", "secret_key")
            if not getattr(settings, f"s3_{name}")
        ]
        if missing:
            raise ConfigurationError(f"{url}: the inbox needs {', '.join(missing)} to be set")
        endpoint = cast(str, settings.s3_endpoint)
        parsed = urlsplit(endpoint)
        client = Minio(
            parsed.netloc,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=parsed.scheme == "https",
            region=settings.s3_region,
            http_client=bounded_http_client(
                settings.s3_connect_timeout, settings.s3_read_timeout, settings.s3_retries
            ),
        )
        return cls(url, client, endpoint)

    def docks(self) -> dict[str, dict[str, InboxObject]]:
        """Every dock folder under the prefix, with its objects by path inside the folder."""
        start = f"{self.prefix}/" if self.prefix else ""
        found: dict[str, dict[str, InboxObject]] = {}
        with self._translated(self.url, "be listed"):
            for entry in self._client.list_objects(self.bucket, prefix=start, recursive=True):
                name = cast(str, entry.object_name)
                dock, _, path = name[len(start) :].partition("/")
                if not dock or not path or entry.is_dir:
                    continue  # an object beside the docks, not in one
                etag = (entry.etag or "").strip('"')
                found.setdefault(dock, {})[path] = InboxObject(path, entry.size or 0, etag)
        return found

    def read(self, dock: str, path: str, limit: int) -> bytes:
        """A small control object (the manifest), refused past ``limit`` bytes."""
        subject = f"{self._key(dock, path)}"
        with self._translated(subject, "be read"):
            response = self._client.get_object(self.bucket, self._key(dock, path))
            try:
                data: bytes = response.read(limit + 1)
            finally:
                response.close()
                response.release_conn()
        if len(data) > limit:
            raise StoreError(f"{self.url}/{subject}: larger than {limit} bytes")
        return data

    def download(self, dock: str, file: DockFile, target: BinaryIO) -> Digest:
        """Stream the object into ``target``, hashing as it goes; only the version claimed.

        ``If-Match`` makes the server refuse another version of the object, so a file the
        station replaced after the claim is never taken for the one claimed.
        """
        key = self._key(dock, file.path)
        with self._translated(key, "be downloaded"):
            try:
                response = self._client.get_object(
                    self.bucket, key, request_headers={"If-Match": f'"{file.etag}"'}
                )
            except S3Error as exc:
                if exc.code in ("PreconditionFailed", "NoSuchKey"):
                    raise DockChanged(
                        f"dock {dock}: {file.path} was replaced or removed in the inbox after "
                        "the dock was taken for ingest; nothing of the dock was ingested, it is "
                        "taken again on a later pass once it stops changing"
                    ) from exc
                raise
            try:
                return copy_and_hash(cast(BinaryIO, response), target)
            finally:
                response.close()
                response.release_conn()

    def _key(self, dock: str, path: str) -> str:
        return f"{self.prefix}/{dock}/{path}" if self.prefix else f"{dock}/{path}"

    def _translated(self, subject: str, action: str) -> contextlib.AbstractContextManager[None]:
        return s3_errors(subject, action, self.url, self._endpoint, missing=MISSING)
