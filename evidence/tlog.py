"""The transparency log: every custody and audit event is a leaf of one append-only Merkle
tree (RFC 6962 hashing), and signed checkpoints of it are written where nobody takes them back.

A checkpoint is a C2SP ``tlog-checkpoint`` (origin, tree size, root hash) in a C2SP signed
note, signed with the installation's Ed25519 key, the key that signs bundles. It is written
once to the object store under ``log/checkpoints/<size, 20 digits>-<root hex>.note``, as
immutable as evidence; the store's copy is the one that counts. Once a checkpoint exists,
the database can no longer drop, change or reorder the events it committed to without
``evidence verify --all`` seeing it: rolled back, the tree is smaller than the checkpoint;
rewritten, its leaves no longer hash to the checkpoint's root.

A new checkpoint is signed only for a tree that extends the newest one in the store, so a
rewritten database is never signed into the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bundle_verifier import merkle
from bundle_verifier.errors import VerificationError
from evidence.errors import FixityError
from evidence.ports import ObjectStore

if TYPE_CHECKING:  # signing and opening load the Ed25519 code; a reading command needs neither
    from bundle_verifier.checkpoint import Checkpoint
    from evidence.signing import SigningKey

CHECKPOINTS = "log/checkpoints"
_KEY = re.compile(r"^log/checkpoints/(\d{20})-([0-9a-f]{64})\.note$")


@dataclass(frozen=True)
class Leaf:
    index: int
    kind: str  # "custody" or "audit"
    chain: str  # the item id for custody, "" for the audit trail
    seq: int
    leaf_hash: bytes

    def describe(self) -> str:
        return describe_event(self.kind, self.chain, self.seq)


@dataclass(frozen=True)
class LogEntry:
    """An event as the database holds it now, with the record a leaf commits to."""

    kind: str
    chain: str
    seq: int
    record: dict[str, Any]


@dataclass(frozen=True)
class Cut:
    """The checkpoint a bundle was cut against."""

    bundle: str
    urn: str
    size: int
    root: bytes
    note_key: str
    at: datetime


class TransparencyLog(Protocol):
    """What the domain reads from the log's leaves (``storage.tlog_repository``)."""

    def leaf_hashes(self, limit: int | None = None) -> list[bytes]: ...

    def leaves(self) -> list[Leaf]: ...

    def item_leaves(self, item_id: str) -> list[Leaf]: ...

    def entries(self) -> Iterable[LogEntry]: ...

    def record_cut(self, cut: Cut) -> None: ...

    def cuts(self, urn: str) -> list[Cut]: ...


class TimeStamper(Protocol):
    def stamp(self, data: bytes) -> bytes:
        """An RFC 3161 TimeStampResp (DER) over ``data``, from a trusted time authority."""
        ...


def token_key(checkpoint_key: str) -> str:
    """Where a checkpoint's RFC 3161 token is kept: beside it, ``.tsr`` for ``.note``."""
    return checkpoint_key.removesuffix(".note") + ".tsr"


def describe_event(kind: str, chain: str, seq: int) -> str:
    return f"custody event {seq} of item {chain}" if kind == "custody" else f"audit event {seq}"


@dataclass(frozen=True)
class Notary:
    """Signs and opens this installation's checkpoints."""

    origin: str
    key: SigningKey

    @classmethod
    def for_installation(cls, organisation: str, key: SigningKey) -> Notary:
        return cls(origin_for(organisation, key), key)

    def sign(self, size: int, root: bytes) -> str:
        from bundle_verifier.checkpoint import Checkpoint, sign_checkpoint

        return sign_checkpoint(Checkpoint(self.origin, size, root), self.origin, self.key.private)

    def open(self, note: str, label: str) -> Checkpoint:
        from bundle_verifier.checkpoint import open_checkpoint

        try:
            return open_checkpoint(note, self.origin, self.key.public)
        except VerificationError as exc:
            raise FixityError(f"checkpoint {label}: {exc}") from exc


def origin_for(organisation: str, key: SigningKey) -> str:
    """``<organisation>/bwv-evidence/<first 16 hex of the key's fingerprint>``; the
    organisation's name loses spaces and other characters a note's key name cannot hold."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", organisation).strip("-") or "organisation"
    return f"{name}/bwv-evidence/{key.fingerprint.removeprefix('SHA256:')[:16]}"


def checkpoint_key(size: int, root: bytes) -> str:
    return f"{CHECKPOINTS}/{size:020d}-{root.hex()}.note"


@dataclass(frozen=True)
class StoredCheckpoint:
    key: str
    note: str
    checkpoint: Checkpoint

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root


def checkpoint_keys(store: ObjectStore) -> list[str]:
    """Every checkpoint in the store, oldest (smallest) first; other names are ignored."""
    return [key for key in store.list_named(CHECKPOINTS) if _KEY.match(key)]


def read_checkpoint(store: ObjectStore, key: str, notary: Notary) -> StoredCheckpoint:
    """A checkpoint from the store, its signature checked and its name matching its body."""
    try:
        note = store.get_named(key).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FixityError(f"checkpoint {key}: not a signed note (not UTF-8 text)") from exc
    checkpoint = notary.open(note, key)
    if checkpoint_key(checkpoint.size, checkpoint.root) != key:
        raise FixityError(
            f"checkpoint {key}: its signed body is for size {checkpoint.size}, root "
            f"{checkpoint.root.hex()[:16]}…; the name and the note disagree"
        )
    return StoredCheckpoint(key, note, checkpoint)


def newest_checkpoint(store: ObjectStore, notary: Notary) -> StoredCheckpoint | None:
    keys = checkpoint_keys(store)
    return read_checkpoint(store, keys[-1], notary) if keys else None


def prefix_problem(hashes: Sequence[bytes], newest: StoredCheckpoint) -> str | None:
    """Why ``hashes`` (the tree's leaves, in order) do not extend ``newest``, if they don't."""
    if len(hashes) < newest.size:
        return (
            f"the log holds {len(hashes)} entries, but checkpoint {newest.key} was signed for "
            f"{newest.size}: entries {len(hashes)}..{newest.size - 1} are missing (the "
            "database was rolled back to an earlier copy, or entries were removed)"
        )
    if merkle.root_hash(hashes[: newest.size]) != newest.root:
        return (
            f"the first {newest.size} entries of the log no longer hash to the root that "
            f"checkpoint {newest.key} committed to: entries were changed, removed or reordered"
        )
    return None


def write_checkpoint(
    log: TransparencyLog, store: ObjectStore, notary: Notary, stamper: TimeStamper | None = None
) -> StoredCheckpoint | None:
    """Sign the tree as it stands and write it to the store, unless nothing is new.

    Returns the newest checkpoint (the one written now, or the one already there); None
    while the log is empty. Raises ``FixityError`` if the tree does not extend the newest
    checkpoint already written: that history is not signed again. With a ``stamper``, the
    new checkpoint also gets an RFC 3161 token, stored beside it.
    """
    hashes = log.leaf_hashes()
    newest = newest_checkpoint(store, notary)
    if newest is not None:
        problem = prefix_problem(hashes, newest)
        if problem is not None:
            raise FixityError(f"no checkpoint was written: {problem}")
        if newest.size == len(hashes):
            return newest
    if not hashes:
        return None
    root = merkle.root_hash(hashes)
    note = notary.sign(len(hashes), root)
    key = checkpoint_key(len(hashes), root)
    store.put_named(key, note.encode("utf-8"))
    if stamper is not None:
        store.put_named(token_key(key), stamper.stamp(note.encode("utf-8")))
    return read_checkpoint(store, key, notary)
