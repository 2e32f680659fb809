"""A real export with EVIDENCE_TSA_URL set carries time stamps that the verifier accepts."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from bundle_verifier.bundle import verify_bundle
from evidence.custody import Actor
from tests.fixtures import case_desk
from tests.fixtures.bundles import export_as
from tests.integration.test_tlog_tsa import build, hold, tsa

__all__ = ["tsa"]  # the loopback openssl ts authority, shared with the tlog tests


def test_exported_time_stamps_verify_against_the_tsa_root(
    tsa: tuple[str, Path], tmp_path: Path
) -> None:
    url, folder = tsa
    services = build(tmp_path, url)
    try:
        hold(services, b"stamped media" * 100)
        actor = Actor("DC1001", "desk-01")
        case_desk.create_case(services, "01YZ1234524", actor, title="Stamped")
        [item] = services.repo.list_items()
        case_desk.link_items(services, "01YZ1234524", [item.id], actor)
        export_as(services, "01YZ1234524", tmp_path / "first", actor)
        bundle = export_as(services, "01YZ1234524", tmp_path / "out", actor)
    finally:
        services.engine.dispose()
    root = x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes())
    report = verify_bundle(bundle, tsa_roots=[root])
    assert report.ok, report.problems
    assert report.log is not None
    stamps = report.log.timestamps
    assert "log/checkpoint.tsr" in stamps and len(stamps) == 2
    assert all(stamp.trusted and stamp.tsa == "CN=Test TSA" for stamp in stamps.values())
