"""Content-addressed object store on S3 (or MinIO), every object under COMPLIANCE retention.

The key is the SHA-256 of the bytes, so the source is hashed once before anything is sent
and a mismatch with the expected digest stores nothing. The upload then streams one part at a
time. S3 refuses object-lock uploads without a payload checksum: a single PUT carries
``x-amz-checksum-sha256`` for the whole object; each part of a multipart upload carries its
``Content-MD5`` (minio-py's ``put_object`` sends neither over plain HTTP, so the multipart
path uses its lower-level calls), and the parts are re-hashed as they go so the upload is
completed only if they are the bytes that were hashed. After every upload the store confirms
the lock from the object's own headers and sets the retention explicitly if a server dropped
it (moto does for multipart uploads).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.datatypes import Object, Part
from minio.error import MinioException, S3Error
from minio.helpers import MAX_MULTIPART_COUNT, MIN_PART_SIZE, DictType, read_part_data
from minio.retention import Retention
from minio.time import to_iso8601utc
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import HTTPError

from evidence.errors import ConfigurationError, NotFound, StoreError
from evidence.hashing import Digest, Hasher, hash_stream, require_digest
from evidence.model import iso_utc, object_key, parse_iso, utcnow
from evidence.ports import StoredObject
from evidence.settings import Settings
from storage.ranged import check_range_arguments, outside
from storage.s3_http import bounded_http_client, s3_errors
from storage.s3_named import S3NamedObjects

PART_SIZE = 16 * 1024 * 1024
_MISSING = frozenset({"NoSuchKey", "NoSuchVersion"})
_LOCK_MODE = "x-amz-object-lock-mode"
_RETAIN_UNTIL = "x-amz-object-lock-retain-until-date"
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class S3Store(S3NamedObjects):
    def __init__(
        self,
        bucket: str,
        endpoint: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        retention_days: int = 2557,
        *,
        prefix: str = "",
        part_size: int = PART_SIZE,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        retries: int = 2,
    ) -> None:
        parsed = urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path.strip("/"):
            raise ConfigurationError(
                f"{endpoint}: EVIDENCE_S3_ENDPOINT must look like http://host:9000"
            )
        if part_size < MIN_PART_SIZE:
            raise ConfigurationError(f"S3 part size {part_size} is below the S3 minimum (5 MiB)")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.retention_days = retention_days
        self.part_size = part_size
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._endpoint = endpoint
        self._client = Minio(
            parsed.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=parsed.scheme == "https",
            region=region,
            http_client=bounded_http_client(connect_timeout, read_timeout, retries),
        )
        self._patience = f"waited {read_timeout:g} s on each of {retries + 1} attempt(s)"
        try:
            with self._translated(f"bucket {bucket}", f"be opened at {endpoint}"):
                self._ensure_bucket()
        except ValueError as exc:
            raise ConfigurationError(f"{self.url}: not a usable bucket name ({exc})") from exc

    @classmethod
    def from_url(cls, url: str, settings: Settings) -> S3Store:
        parsed = urlsplit(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ConfigurationError(f"{url}: an S3 store URL looks like s3://bucket[/prefix]")
        missing = [
            f"EVIDENCE_S3_{name.upper()}"
            for name in ("endpoint", "access_key", "secret_key")
            if not getattr(settings, f"s3_{name}")
        ]
        if missing:
            raise ConfigurationError(f"{url}: the S3 store needs {', '.join(missing)} to be set")
        return cls(
            parsed.netloc,
            cast(str, settings.s3_endpoint),
            cast(str, settings.s3_access_key),
            cast(str, settings.s3_secret_key),
            region=settings.s3_region,
            retention_days=settings.s3_retention_days,
            prefix=parsed.path,
            connect_timeout=settings.s3_connect_timeout,
            read_timeout=settings.s3_read_timeout,
            retries=settings.s3_retries,
        )

    def put(
        self, source: BinaryIO, *, expected_sha256: str | None = None, label: str = ""
    ) -> StoredObject:
        what = label or "incoming object"
        if not source.seekable():
            raise StoreError(f"{what}: the S3 store needs a file it can read twice")
        start = source.tell()
        digest = hash_stream(source)
        if expected_sha256 is not None:
            require_digest(what, expected_sha256, digest.sha256)
        key = object_key(digest.sha256)
        until = utcnow() + timedelta(days=self.retention_days)
        version_id = None
        with self._translated(what, f"be stored as {key}"):
            if self._stat(key) is None:
                source.seek(start)
                if digest.size <= self.part_size:
                    version_id = self._put_whole(key, source, digest, until)
                else:
                    version_id = self._put_in_parts(what, key, source, digest, until)
            self._ensure_locked(key, version_id, until)
        return StoredObject(key, digest.sha256, digest.size, self.location(key))

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        subject = f"stored object {key}"
        with self._translated(subject, "be read"):
            response = self._client.get_object(self.bucket, self._name(key))
        with self._streaming(subject, response) as stream:
            yield stream

    @contextlib.contextmanager
    def open_range(self, key: str, start: int, length: int) -> Iterator[BinaryIO]:
        check_range_arguments(key, start, length)
        subject = f"stored object {key}"
        with self._translated(subject, "be read"):
            try:
                response = self._client.get_object(
                    self.bucket, self._name(key), offset=start, length=length
                )
            except S3Error as exc:
                if exc.code != "InvalidRange":
                    raise
                raise outside(key, start, length, self._size(key)) from exc
        with self._streaming(subject, response) as stream:
            served = _served_range(response.headers.get("Content-Range"))
            if served is None:
                raise StoreError(f"{subject}: {self.url} did not answer with the range asked for")
            first, last, size = served
            if (first, last) != (start, start + length - 1):
                raise outside(key, start, length, size)
            yield stream

    @contextlib.contextmanager
    def _streaming(self, subject: str, response: BaseHTTPResponse) -> Iterator[BinaryIO]:
        """The response body as a stream; the connection goes back to the pool however it ends."""
        try:
            yield cast(BinaryIO, response)
        except HTTPError as exc:
            raise StoreError(f"{subject}: reading from {self.url} was cut off ({exc})") from exc
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        with self._translated(f"stored object {key}", "be checked"):
            return self._stat(key) is not None

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._name(key)}"

    def describe(self, key: str) -> dict[str, Any]:
        with self._translated(f"stored object {key}", "be described"):
            info = self._client.stat_object(self.bucket, self._name(key))
        headers = info.metadata or {}
        retain_until = headers.get(_RETAIN_UNTIL)
        return {
            "size": info.size,
            "lock_mode": headers.get(_LOCK_MODE),
            "retain_until": iso_utc(parse_iso(retain_until)) if retain_until else None,
            "version_id": info.version_id,
        }

    def _name(self, key: str) -> str:
        if ".." in key.split("/") or key.startswith("/"):
            raise StoreError(f"{key}: not a valid object key")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self.bucket):
            self._client.make_bucket(self.bucket, object_lock=True)
            return
        try:
            self._client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code == "ObjectLockConfigurationNotFoundError":
                raise ConfigurationError(
                    f"bucket {self.bucket} exists without object lock; evidence needs a bucket "
                    "created with object lock enabled"
                ) from exc
            raise

    def _stat(self, key: str, version_id: str | None = None) -> Object | None:
        try:
            return self._client.stat_object(self.bucket, self._name(key), version_id=version_id)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise

    def _put_whole(self, key: str, source: BinaryIO, digest: Digest, until: datetime) -> str | None:
        checksum = base64.b64encode(bytes.fromhex(digest.sha256)).decode("ascii")
        headers: DictType = {
            **_lock_headers(until),
            "x-amz-checksum-sha256": checksum,
            "x-amz-sdk-checksum-algorithm": "SHA256",
        }
        result = self._client.put_object(
            self.bucket,
            self._name(key),
            source,
            length=digest.size,
            metadata=headers,
            part_size=self.part_size,
        )
        return result.version_id

    def _put_in_parts(
        self, what: str, key: str, source: BinaryIO, digest: Digest, until: datetime
    ) -> str | None:
        name = self._name(key)
        part_size = max(self.part_size, -(-digest.size // MAX_MULTIPART_COUNT))
        headers: DictType = {
            **_lock_headers(until),
            "Content-Type": "application/octet-stream",
        }
        upload_id = self._client._create_multipart_upload(self.bucket, name, headers)
        try:
            hasher = Hasher()
            parts: list[Part] = []
            while part := read_part_data(source, part_size):
                hasher.update(part)
                md5 = hashlib.md5(part, usedforsecurity=False).digest()
                part_headers: DictType = {"Content-MD5": base64.b64encode(md5).decode()}
                etag = self._client._upload_part(
                    self.bucket, name, part, part_headers, upload_id, len(parts) + 1
                )
                parts.append(Part(len(parts) + 1, etag))
            require_digest(
                f"{what} (changed while it was uploaded)", digest.sha256, hasher.digest().sha256
            )
            result = self._client._complete_multipart_upload(self.bucket, name, upload_id, parts)
        except BaseException:
            with contextlib.suppress(MinioException, HTTPError):
                self._client._abort_multipart_upload(self.bucket, name, upload_id)
            raise
        return result.version_id

    def _ensure_locked(self, key: str, version_id: str | None, until: datetime) -> None:
        if self._lock_mode(key, version_id) == COMPLIANCE:
            return
        self._client.set_object_retention(
            self.bucket, self._name(key), Retention(COMPLIANCE, until), version_id=version_id
        )
        if self._lock_mode(key, version_id) != COMPLIANCE:
            raise StoreError(f"stored object {key}: {self.url} did not put it under retention")

    def _size(self, key: str) -> int:
        info = self._stat(key)
        if info is None or info.size is None:
            raise NotFound(f"stored object {key} is missing from {self.url}")
        return info.size

    def _lock_mode(self, key: str, version_id: str | None) -> str | None:
        info = self._stat(key, version_id)
        if info is None:
            raise StoreError(f"stored object {key}: {self.url} lost it right after the upload")
        return (info.metadata or {}).get(_LOCK_MODE)

    def _translated(self, subject: str, action: str) -> contextlib.AbstractContextManager[None]:
        return s3_errors(
            subject, action, self.url, self._endpoint, missing=_MISSING, patience=self._patience
        )


def _served_range(header: str | None) -> tuple[int, int, int] | None:
    """First byte, last byte and object size from ``Content-Range: bytes a-b/size``."""
    match = _CONTENT_RANGE.match(header or "")
    if match is None:
        return None
    first, last, size = match.groups()
    return int(first), int(last), int(size)


def _lock_headers(until: datetime) -> DictType:
    return {_LOCK_MODE: COMPLIANCE, _RETAIN_UNTIL: cast(str, to_iso8601utc(until))}
