"""Check a BagIt bag (RFC 8493) offline: every payload and tag digest, completeness, Oxum.

Each file is read once, in blocks, for both its SHA-256 and SHA-512. Paths in manifests that
are absolute, contain ``..`` or a backslash are refused, and links are never followed. Every
problem is collected and named; nothing stops at the first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ALGORITHMS = ("sha256", "sha512")
REQUIRED_TAG_FILES = ("bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS))
BLOCK = 1 << 20


@dataclass(frozen=True)
class FileDigest:
    size: int
    hexdigests: dict[str, str]

    @property
    def sha256(self) -> str:
        return self.hexdigests["sha256"]


@dataclass
class BagCheck:
    root: Path
    problems: list[str] = field(default_factory=list)
    info: dict[str, list[str]] = field(default_factory=dict)
    payload: dict[str, FileDigest] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)

    def info_value(self, label: str) -> str | None:
        values = self.info.get(label.lower())
        return values[0] if values else None

    def covered_tag_files(self) -> set[str]:
        """Tag files listed in every tag manifest, so the signature vouches for them."""
        listed = [set(entries) for entries in self.tags.values()]
        return set.intersection(*listed) if len(listed) == len(ALGORITHMS) else set()


def hash_file(path: Path) -> FileDigest:
    hashers = {name: hashlib.new(name) for name in ALGORITHMS}
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(BLOCK):
            size += len(block)
            for hasher in hashers.values():
                hasher.update(block)
    return FileDigest(size, {name: h.hexdigest() for name, h in hashers.items()})


def decode_path(path: str) -> str:
    """Manifest path decoding from RFC 8493 section 2.1.3."""
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def is_safe_relative(path: str) -> bool:
    relative = PurePosixPath(path)
    return (
        bool(path)
        and not relative.is_absolute()
        and ".." not in relative.parts
        and ("\\" not in path)
    )


def read_manifest(path: Path, check: BagCheck) -> dict[str, str]:
    """``{relative path: digest}`` from a manifest, noting malformed lines."""
    entries: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        check.problems.append(f"{path.name}: cannot be read ({exc})")
        return entries
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = decode_path(name.lstrip(" *"))
        if not digest or not name:
            check.problems.append(f"{path.name} line {number}: not '<digest> <path>'")
            continue
        entries[name] = digest.lower()
    return entries


def read_bag_info(path: Path, check: BagCheck) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        check.problems.append(f"bag-info.txt: cannot be read ({exc})")
        return
    label = ""
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and label:
            check.info[label][-1] += " " + line.strip()
        elif ":" in line:
            raw_label, _, value = line.partition(":")
            label = raw_label.strip().lower()
            check.info.setdefault(label, []).append(value.strip())


def check_bag(root: Path) -> BagCheck:
    check = BagCheck(root)
    if not root.is_dir():
        check.problems.append(f"{root}: not a folder")
        return check
    for name in REQUIRED_TAG_FILES:
        if not (root / name).is_file():
            check.problems.append(f"{name}: missing from the bag")
    if (root / "bagit.txt").is_file():
        text = (root / "bagit.txt").read_text(encoding="utf-8", errors="replace")
        if "BagIt-Version:" not in text:
            check.problems.append("bagit.txt: does not declare a BagIt-Version")
    read_bag_info(root / "bag-info.txt", check)
    _check_payload(check)
    _check_tags(check)
    _check_oxum(check)
    return check


def _hash(root: Path, name: str, check: BagCheck) -> FileDigest | None:
    if not is_safe_relative(name):
        check.problems.append(f"manifest names an unsafe path: {name!r}")
        return None
    path = root / name
    if path.is_symlink() or not path.is_file():
        check.problems.append(f"{name}: listed in the manifests but missing from the bag")
        return None
    return hash_file(path)


def _check_payload(check: BagCheck) -> None:
    manifests = {
        algorithm: read_manifest(check.root / f"manifest-{algorithm}.txt", check)
        for algorithm in ALGORITHMS
        if (check.root / f"manifest-{algorithm}.txt").is_file()
    }
    listed = sorted(set().union(*manifests.values())) if manifests else []
    for name in listed:
        if not name.startswith("data/"):
            check.problems.append(f"{name}: payload manifest names a file outside data/")
            continue
        digest = _hash(check.root, name, check)
        if digest is None:
            continue
        check.payload[name] = digest
        for algorithm, entries in manifests.items():
            if name not in entries:
                check.problems.append(f"{name}: not listed in manifest-{algorithm}.txt")
            elif entries[name] != digest.hexdigests[algorithm]:
                check.problems.append(
                    f"{name}: {algorithm.upper()} does not match manifest-{algorithm}.txt; "
                    "the file was changed after the bundle was made"
                )
    data = check.root / "data"
    present = (
        {p.relative_to(check.root).as_posix() for p in data.rglob("*") if not p.is_dir()}
        if data.is_dir()
        else set()
    )
    check.problems.extend(
        f"{name}: in data/ but in no payload manifest (added after the bundle was made)"
        for name in sorted(present - set(listed))
    )


def _check_tags(check: BagCheck) -> None:
    for algorithm in ALGORITHMS:
        manifest = check.root / f"tagmanifest-{algorithm}.txt"
        if not manifest.is_file():
            check.problems.append(f"tagmanifest-{algorithm}.txt: missing from the bag")
            continue
        entries = read_manifest(manifest, check)
        check.tags[algorithm] = entries
        for required in REQUIRED_TAG_FILES:
            if required not in entries:
                check.problems.append(f"{manifest.name}: does not cover {required}")
        for name, expected in sorted(entries.items()):
            digest = _hash(check.root, name, check)
            if digest is not None and digest.hexdigests[algorithm] != expected:
                check.problems.append(
                    f"{name}: {algorithm.upper()} does not match {manifest.name}; "
                    "the tag file was changed after the bundle was made"
                )


def _check_oxum(check: BagCheck) -> None:
    oxum = check.info_value("Payload-Oxum")
    if oxum is None:
        check.problems.append("bag-info.txt: no Payload-Oxum")
        return
    total = sum(d.size for d in check.payload.values())
    if oxum != f"{total}.{len(check.payload)}":
        check.problems.append(
            f"bag-info.txt: Payload-Oxum {oxum} but the payload holds "
            f"{total} bytes in {len(check.payload)} files"
        )
