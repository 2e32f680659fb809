"""Write a BagIt bag (RFC 8493) with SHA-256 and SHA-512 manifests.

Payload files are hashed while they are written, both digests from the same read, so no
file is read twice; tag manifests cover every tag file written before them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from evidence.errors import UnsafePath
from evidence.hashing import Digest, copy_and_hash

ALGORITHMS = ("sha256", "sha512")
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def encode_path(path: str) -> str:
    """Manifest path encoding from RFC 8493 section 2.1.3."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(path: str) -> str:
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or ".." in relative.parts or "\\" in path:
        raise UnsafePath(f"{path!r}: not a safe relative path inside the bag")
    return relative


def digest_of(name: str, digest: Digest) -> str:
    return digest.sha256 if name == "sha256" else digest.extra[name]


class BagWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.payload: dict[str, Digest] = {}
        self.tags: dict[str, Digest] = {}
        (root / "data").mkdir(parents=True, exist_ok=False)

    def add_payload(self, relative: str, source: BinaryIO) -> Digest:
        """Copy ``source`` to ``data/<relative>``; returns the digests of the bytes written."""
        name = "data/" + str(safe_relative(relative))
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            digest = copy_and_hash(source, out, ALGORITHMS[1:])
        self.payload[name] = digest
        return digest

    def add_payload_bytes(self, relative: str, data: bytes) -> Digest:
        return self.add_payload(relative, io.BytesIO(data))

    def add_tag_file(self, name: str, data: bytes) -> None:
        if safe_relative(name).parts[0] == "data":
            raise UnsafePath(f"{name}: a tag file cannot live under data/")
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            self.tags[name] = copy_and_hash(io.BytesIO(data), out, ALGORITHMS[1:])

    def finish(self, info: Sequence[tuple[str, str]], bagging_date: date) -> None:
        """Write bagit.txt, the payload manifests, bag-info.txt and the tag manifests."""
        self.add_tag_file("bagit.txt", BAGIT_TXT.encode("utf-8"))
        for algorithm in ALGORITHMS:
            self.add_tag_file(
                f"manifest-{algorithm}.txt", manifest_text(self.payload, algorithm).encode()
            )
        total = sum(d.size for d in self.payload.values())
        lines = [
            ("Bagging-Date", bagging_date.isoformat()),
            ("Payload-Oxum", f"{total}.{len(self.payload)}"),
            *info,
        ]
        text = "".join(f"{label}: {value}\n" for label, value in lines)
        self.add_tag_file("bag-info.txt", text.encode("utf-8"))
        for algorithm in ALGORITHMS:
            manifest = manifest_text(self.tags, algorithm).encode()
            target = self.root / f"tagmanifest-{algorithm}.txt"
            with target.open("xb") as out:
                out.write(manifest)


def manifest_text(digests: dict[str, Digest], algorithm: str) -> str:
    return "".join(
        f"{digest_of(algorithm, digests[name])}  {encode_path(name)}\n" for name in sorted(digests)
    )
