"""S3Store against a real S3 server process (moto_server), no mocks."""

from __future__ import annotations

import base64
import hashlib
import io
import random
from datetime import timedelta

import pytest
from minio import Minio
from minio.error import S3Error

from evidence.errors import ConfigurationError, FixityError, NotFound
from evidence.hashing import hash_stream
from evidence.model import object_key, parse_iso, utcnow
from evidence.settings import Settings
from storage.s3_store import S3Store
from tests.fixtures.s3 import TEST_PART_SIZE, S3Server

MiB = 1024 * 1024


def _payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _versions(client: Minio, store: S3Store) -> list[tuple[str, str | None]]:
    listed = client.list_objects(store.bucket, recursive=True, include_version=True)
    return [(entry.object_name or "", entry.version_id) for entry in listed]


def _pending_uploads(client: Minio, store: S3Store) -> list[str | None]:
    return [upload.upload_id for upload in client._list_multipart_uploads(store.bucket).uploads]


def _read_all(store: S3Store, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


def test_round_trip_is_byte_identical_and_addressed_by_sha256(s3_store: S3Store) -> None:
    data = _payload(3 * MiB + 17, seed=1)
    stored = s3_store.put(io.BytesIO(data), label="clip.mp4")

    sha256 = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == sha256
    assert stored.key == object_key(sha256)
    assert stored.size == len(data)
    assert stored.location == f"{s3_store.url}/{stored.key}"
    assert s3_store.exists(stored.key)
    assert _read_all(s3_store, stored.key) == data


def test_object_is_under_compliance_retention(s3_store: S3Store) -> None:
    stored = s3_store.put(io.BytesIO(_payload(MiB, seed=2)))

    facts = s3_store.describe(stored.key)

    assert facts["size"] == MiB
    assert facts["lock_mode"] == "COMPLIANCE"
    expected_until = utcnow() + timedelta(days=s3_store.retention_days)
    assert abs(parse_iso(facts["retain_until"]) - expected_until) < timedelta(minutes=5)
    assert facts["version_id"]


@pytest.mark.parametrize("size", [MiB, 2 * TEST_PART_SIZE + 2 * MiB], ids=["single", "multipart"])
def test_locked_version_cannot_be_deleted(s3_store: S3Store, s3_client: Minio, size: int) -> None:
    stored = s3_store.put(io.BytesIO(_payload(size, seed=3)))
    version_id = s3_store.describe(stored.key)["version_id"]

    with pytest.raises(S3Error) as refused:
        s3_client.remove_object(s3_store.bucket, stored.key, version_id=version_id)

    assert refused.value.code == "AccessDenied"
    assert _read_all(s3_store, stored.key) == _payload(size, seed=3)


def test_same_bytes_twice_store_one_object(s3_store: S3Store, s3_client: Minio) -> None:
    data = _payload(MiB, seed=4)
    first = s3_store.put(io.BytesIO(data))
    second = s3_store.put(io.BytesIO(data), expected_sha256=first.sha256)

    assert second == first
    assert [name for name, _ in _versions(s3_client, s3_store)] == [first.key]


def test_expected_digest_mismatch_stores_nothing(s3_store: S3Store, s3_client: Minio) -> None:
    data = _payload(MiB, seed=5)

    with pytest.raises(FixityError, match=r"clip\.mp4"):
        s3_store.put(io.BytesIO(data), expected_sha256="0" * 64, label="clip.mp4")

    assert not s3_store.exists(object_key(hashlib.sha256(data).hexdigest()))
    assert _versions(s3_client, s3_store) == []


def test_open_of_missing_key_raises_not_found(s3_store: S3Store) -> None:
    key = object_key("ab" * 32)

    with pytest.raises(NotFound, match=key), s3_store.open(key):
        pass
    with pytest.raises(NotFound, match=key):
        s3_store.describe(key)
    assert not s3_store.exists(key)


def test_bytes_replaced_behind_the_store_fail_rehash(s3_store: S3Store, s3_client: Minio) -> None:
    data = _payload(MiB, seed=6)
    stored = s3_store.put(io.BytesIO(data))
    tampered = bytearray(data)
    tampered[1000] ^= 0xFF
    checksum = base64.b64encode(hashlib.sha256(tampered).digest()).decode()
    s3_client.put_object(
        s3_store.bucket,
        stored.key,
        io.BytesIO(bytes(tampered)),
        len(tampered),
        metadata={"x-amz-checksum-sha256": checksum, "x-amz-sdk-checksum-algorithm": "SHA256"},
    )

    with s3_store.open(stored.key) as stream:
        reread = hash_stream(stream)

    assert reread.size == stored.size
    assert reread.sha256 != stored.sha256
    assert object_key(reread.sha256) != stored.key


def test_multipart_object_round_trips_locked(s3_store: S3Store, s3_client: Minio) -> None:
    data = _payload(2 * TEST_PART_SIZE + 2 * MiB, seed=7)
    stored = s3_store.put(io.BytesIO(data), expected_sha256=hashlib.sha256(data).hexdigest())

    assert stored.size == len(data)
    assert _read_all(s3_store, stored.key) == data
    assert s3_store.describe(stored.key)["lock_mode"] == "COMPLIANCE"
    assert len(_versions(s3_client, s3_store)) == 1
    assert _pending_uploads(s3_client, s3_store) == []


def test_source_changed_during_multipart_upload_is_not_completed(
    s3_store: S3Store, s3_client: Minio
) -> None:
    data = _payload(TEST_PART_SIZE + MiB, seed=8)

    class ChangesAfterHashing(io.BytesIO):
        def seek(self, offset: int, whence: int = 0) -> int:
            with self.getbuffer() as view:
                view[0] ^= 0xFF
            return super().seek(offset, whence)

    with pytest.raises(FixityError, match="changed while it was uploaded"):
        s3_store.put(ChangesAfterHashing(data), label="clip.mp4")

    assert _versions(s3_client, s3_store) == []
    assert _pending_uploads(s3_client, s3_store) == []


def test_from_url_uses_settings_and_prefix(s3_server: S3Server) -> None:
    settings = Settings(
        s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_retention_days=30,
    )
    store = S3Store.from_url("s3://evidence-from-url/force-a", settings)
    stored = store.put(io.BytesIO(b"call recording"))

    assert store.url == "s3://evidence-from-url/force-a"
    assert stored.location == f"s3://evidence-from-url/force-a/{stored.key}"
    until = parse_iso(store.describe(stored.key)["retain_until"])
    assert abs(until - (utcnow() + timedelta(days=30))) < timedelta(minutes=5)
    assert _read_all(store, stored.key) == b"call recording"


def test_missing_endpoint_is_a_configuration_error() -> None:
    settings = Settings(s3_endpoint=None, s3_access_key=None, s3_secret_key="secret")

    with pytest.raises(ConfigurationError, match="EVIDENCE_S3_ENDPOINT, EVIDENCE_S3_ACCESS_KEY"):
        S3Store.from_url("s3://evidence", settings)


def test_bucket_without_object_lock_is_refused(s3_server: S3Server, s3_client: Minio) -> None:
    s3_client.make_bucket("evidence-unlocked")

    with pytest.raises(ConfigurationError, match="without object lock"):
        S3Store("evidence-unlocked", s3_server.endpoint, s3_server.access_key, s3_server.secret_key)


@pytest.mark.parametrize(
    ("bucket", "endpoint", "reason"),
    [
        ("evidence", "127.0.0.1:9000", "EVIDENCE_S3_ENDPOINT must look like"),
        ("EV", "http://127.0.0.1:9", "not a usable bucket name"),
    ],
    ids=["endpoint-without-scheme", "invalid-bucket-name"],
)
def test_unusable_settings_are_configuration_errors(
    bucket: str, endpoint: str, reason: str
) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        S3Store(bucket, endpoint, "key", "secret")
