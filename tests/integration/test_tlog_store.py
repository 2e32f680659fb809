"""Checkpoints are named objects written once: neither store lets one be replaced, and on S3
(moto with object lock) no version of one can be deleted either."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from minio import Minio
from minio.error import S3Error

from evidence.errors import Conflict
from evidence.signing import SigningKey
from evidence.tlog import Notary, checkpoint_key, newest_checkpoint, read_checkpoint
from storage.local_store import LocalStore
from storage.s3_store import S3Store

KEY = "log/checkpoints/00000000000000000002-" + "ab" * 32 + ".note"


def test_local_named_object_is_written_once_and_read_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    assert store.put_named(KEY, b"first\n") is True
    assert store.put_named(KEY, b"first\n") is False  # a rerun with the same bytes
    with pytest.raises(Conflict, match="never replaced"):
        store.put_named(KEY, b"second\n")
    path = tmp_path / "store" / KEY
    assert path.read_bytes() == b"first\n"
    assert not path.stat().st_mode & 0o222
    assert store.list_named("log/checkpoints") == [KEY]
    assert not list((tmp_path / "store" / ".staging").iterdir())


def test_s3_checkpoint_cannot_be_overwritten_or_deleted(
    s3_store: S3Store, s3_client: Minio
) -> None:
    notary = Notary.for_installation("Test Force", SigningKey(Ed25519PrivateKey.generate()))
    root = bytes(range(32))
    note = notary.sign(5, root).encode()
    key = checkpoint_key(5, root)
    assert s3_store.put_named(key, note) is True
    assert s3_store.describe(key)["lock_mode"] == "COMPLIANCE"
    assert s3_store.put_named(key, note) is False

    forged = notary.sign(5, bytes(32)).encode()
    with pytest.raises(Conflict, match="never replaced"):
        s3_store.put_named(key, forged)
    version = s3_store.describe(key)["version_id"]
    with pytest.raises(S3Error) as refused:
        s3_client.remove_object(s3_store.bucket, key, version_id=version)
    assert refused.value.code == "AccessDenied"

    # Written around the store, a second version does not replace the first for us.
    s3_client.put_object(s3_store.bucket, key, io.BytesIO(forged), len(forged))
    assert s3_store.get_named(key) == note
    assert read_checkpoint(s3_store, key, notary).root == root
    assert s3_store.list_named("log/checkpoints") == [key]
    newest = newest_checkpoint(s3_store, notary)
    assert newest is not None and newest.size == 5
