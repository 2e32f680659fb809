"""Check a BagIt bag offline: every payload and tag digest, completeness and Payload-Oxum.

Every problem is collected and named; nothing stops at the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evidence.bagit_writer import ALGORITHMS, decode_path, digest_of, safe_relative
from evidence.errors import UnsafePath
from evidence.hashing import Digest, hash_file

REQUIRED_TAG_FILES = ("bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS))


@dataclass
class BagCheck:
    root: Path
    problems: list[str] = field(default_factory=list)
    info: dict[str, list[str]] = field(default_factory=dict)
    payload: dict[str, Digest] = field(default_factory=dict)

    def info_value(self, label: str) -> str | None:
        values = self.info.get(label.lower())
        return values[0] if values else None


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


def _hash(root: Path, name: str, check: BagCheck) -> Digest | None:
    try:
        path = root / str(safe_relative(name))
    except UnsafePath as exc:
        check.problems.append(f"manifest names an unsafe path: {exc}")
        return None
    if path.is_symlink() or not path.is_file():
        check.problems.append(f"{name}: listed in the manifests but missing from the bag")
        return None
    return hash_file(path, ALGORITHMS[1:])


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
            elif entries[name] != digest_of(algorithm, digest):
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
        for required in REQUIRED_TAG_FILES:
            if required not in entries:
                check.problems.append(f"{manifest.name}: does not cover {required}")
        for name, expected in sorted(entries.items()):
            digest = _hash(check.root, name, check)
            if digest is not None and digest_of(algorithm, digest) != expected:
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
