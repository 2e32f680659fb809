"""Named objects on S3 (the transparency log's checkpoints): written once, never replaced.

A write carries ``If-None-Match: *``, so the server refuses a name already taken, and the
object goes under the same COMPLIANCE retention as evidence, so no version of it can be
deleted before its retention ends. Someone writing around this store could still add a newer
version under the name in a versioned bucket; reads therefore return the oldest version,
the one written first.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Protocol

from minio import Minio
from minio.error import S3Error
from minio.helpers import DictType

from evidence.errors import Conflict, NotFound, StoreError
from evidence.model import utcnow


class _S3Base(Protocol):
    bucket: str
    prefix: str
    url: str
    retention_days: int
    _client: Minio

    def _name(self, key: str) -> str: ...

    def _ensure_locked(self, key: str, version_id: str | None, until: datetime) -> None: ...


class S3NamedObjects:
    def put_named(self: _S3Base, key: str, data: bytes) -> bool:
        from storage.s3_store import _lock_headers

        until = utcnow() + timedelta(days=self.retention_days)
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        headers: DictType = {
            **_lock_headers(until),
            "If-None-Match": "*",
            "Content-Type": "text/plain; charset=utf-8",
            "x-amz-checksum-sha256": checksum,
            "x-amz-sdk-checksum-algorithm": "SHA256",
        }
        try:
            result = self._client._put_object(self.bucket, self._name(key), data, headers)
        except S3Error as exc:
            if exc.code != "PreconditionFailed":
                raise StoreError(
                    f"{key}: could not be written to {self.url} ({exc.code}: {exc.message})"
                ) from exc
            if S3NamedObjects.get_named(self, key) == data:
                return False
            raise Conflict(
                f"{key}: already written in {self.url} with other content; it is never replaced"
            ) from exc
        self._ensure_locked(key, result.version_id, until)
        return True

    def get_named(self: _S3Base, key: str) -> bytes:
        name = self._name(key)
        try:
            versions = [
                v
                for v in self._client.list_objects(self.bucket, prefix=name, include_version=True)
                if v.object_name == name and not v.is_delete_marker
            ]
            if not versions:
                raise NotFound(f"{key} is missing from {self.url}")
            # S3 lists a key's versions newest first; times tie within a second.
            first = min(reversed(versions), key=lambda v: v.last_modified or utcnow())
            response = self._client.get_object(self.bucket, name, version_id=first.version_id)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()
        except S3Error as exc:
            raise StoreError(f"{key}: could not be read from {self.url} ({exc.code})") from exc

    def list_named(self: _S3Base, folder: str) -> list[str]:
        inner = folder.strip("/")
        strip = len(self.prefix) + 1 if self.prefix else 0
        try:
            found = self._client.list_objects(
                self.bucket, prefix=self._name(inner) + "/", recursive=True
            )
            return sorted(str(obj.object_name)[strip:] for obj in found)
        except S3Error as exc:
            raise StoreError(f"{folder}: could not be listed in {self.url} ({exc.code})") from exc
