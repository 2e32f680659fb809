"""``bundle-verify BUNDLE_DIR [--public-key PEM] [--json]``: check a CPS bundle offline.

Exit 0 when everything checks out, 4 when anything does not (each problem is named), 2 when
the input cannot be used (no such folder, not a bundle, not a PEM key).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bundle_verifier.bundle import BundleReport, verify_bundle
from bundle_verifier.errors import BadInput
from bundle_verifier.keys import load_public_key

EXIT_OK, EXIT_BAD_INPUT, EXIT_INVALID = 0, 2, 4


def read_pinned_key(path: Path | None) -> Ed25519PublicKey | None:
    if path is None:
        return None
    try:
        return load_public_key(path.read_bytes(), str(path))
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror})") from exc


def read_tsa_roots(paths: Sequence[Path]) -> list[x509.Certificate]:
    roots = []
    for path in paths:
        try:
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except OSError as exc:
            raise BadInput(f"{path}: cannot be read ({exc.strerror})") from exc
        except ValueError as exc:
            raise BadInput(f"{path}: not PEM certificates ({exc})") from exc
    return roots


def require_bag_folder(folder: Path) -> None:
    """Point at the bundle when given the folder that export wrote it into."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: no such folder")
    if (folder / "bagit.txt").exists():
        return
    inside = sorted(p.name for p in folder.iterdir() if (p / "bagit.txt").is_file())
    if inside:
        raise BadInput(
            f"{folder}: not a bundle itself (no bagit.txt); it holds {', '.join(inside)}: "
            "verify one of those"
        )


def summary(report: BundleReport) -> str:
    """One line saying what was checked, for a valid bundle."""
    checked = "every digest, the signature and every custody chain"
    log = report.log
    if log is not None and log.present and log.checkpoint is not None:
        earlier = f" and {len(log.earlier)} earlier checkpoint(s)" if log.earlier else ""
        checked = (
            f"every digest, the signature, every custody chain and the log proofs "
            f"({log.events_proven} event(s) in the signed checkpoint of size "
            f"{log.checkpoint.size}{earlier})"
        )
    return (
        f"VALID: {report.bundle}: case {report.urn}, {report.exhibits} exhibit(s), "
        f"{checked} check out; signer {report.signer}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bundle-verify",
        description="Check a CPS evidence bundle offline: digests, signature, custody chains "
        "and transparency-log proofs. Exit 0 valid, 4 a check failed, 2 bad input.",
    )
    parser.add_argument("bundle", type=Path, help="the bundle's folder")
    parser.add_argument("--public-key", type=Path, help="PEM public key it must be signed with")
    parser.add_argument(
        "--tsa-ca",
        type=Path,
        action="append",
        default=[],
        help="PEM certificate(s) of a trusted time-stamping authority (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    args = parser.parse_args(argv)
    try:
        pinned = read_pinned_key(args.public_key)
        roots = read_tsa_roots(args.tsa_ca)
        require_bag_folder(args.bundle)
    except BadInput as exc:
        print(f"bundle-verify: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = verify_bundle(args.bundle, pinned, roots)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif report.ok:
        print(summary(report))
    else:
        print(f"INVALID: {report.bundle}: {len(report.problems)} problem(s)")
        for problem in report.problems:
            print(f" - {problem}")
    if not args.json:
        for note in report.notes:
            print(f"note: {note}")
    return EXIT_OK if report.ok else EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
