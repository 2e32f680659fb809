"""The locks pin, with hashes, every dependency the set-up script, CI and the image install.

``scripts/setup.sh`` installs ``requirements.lock`` with ``--require-hashes`` and then our two
distributions with ``--no-deps``, so a dependency declared in a pyproject.toml but missing
from the lock (someone added it and did not run ``scripts/lock.sh``) would only show up as an
import error somewhere. This names it. The image's lock must agree with the main one.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)")
OURS = {"bwv-evidence", "bwv-bundle-verifier"}


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """Each pinned name with its version and how many hashes it carries."""
    found: dict[str, tuple[str, int]] = {}
    name = None
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match.group(1))
            found[name] = (match.group(2).rstrip(" \\"), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[name]
            found[name] = (version, hashes + 1)
    return found


def declared(*extras: str) -> list[Requirement]:
    wanted: list[Requirement] = []
    for path in (ROOT / "pyproject.toml", ROOT / "verifier" / "pyproject.toml"):
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        wanted += [Requirement(d) for d in project["dependencies"]]
        for extra in extras:
            wanted += [
                Requirement(d) for d in project.get("optional-dependencies", {}).get(extra, [])
            ]
    return [r for r in wanted if canonicalize_name(r.name) not in OURS]


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", ("test",)), ("requirements-runtime.lock", ())]
)
def test_every_declared_dependency_is_pinned_with_hashes(lock: str, extras: tuple[str]) -> None:
    locked = pins(lock)
    problems = []
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement} is not in {lock}")
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{requirement}: {lock} pins {locked[name][0]}")
    problems += [f"{name} has no hash in {lock}" for name, (_, n) in locked.items() if not n]
    assert problems == [], "run scripts/lock.sh: " + "; ".join(problems)


def test_the_image_lock_holds_the_versions_of_the_main_lock() -> None:
    main, runtime = pins("requirements.lock"), pins("requirements-runtime.lock")
    assert set(runtime) <= set(main)
    assert {n: v for n, (v, _) in runtime.items()} == {n: main[n][0] for n in runtime}
