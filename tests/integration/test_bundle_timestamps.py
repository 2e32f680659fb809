"""RFC 3161 time stamps over a bundle's checkpoints, against a local ``openssl ts`` TSA."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from bundle_verifier.bundle import verify_bundle
from evidence.verify_text import VERIFY_TEXT
from tests.fixtures.bundles import ExportedBundle, copy_bundle, resign
from tests.fixtures.cli import Cli
from tests.integration.test_verify_text import PLACEHOLDER, code_blocks

TSA_CONFIG = """[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.crt
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

CA_CONFIG = """[ ca ]
default_ca = c
[ c ]
database = ./db/index.txt
serial = ./db/serial
new_certs_dir = ./db
default_md = sha256
policy = p
[ p ]
commonName = supplied
[ ext ]
extendedKeyUsage = critical,timeStamping
"""


def openssl(*args: str, cwd: Path) -> str:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_ca(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "3650", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        cwd=folder,
    )  # fmt: skip
    return folder / f"{name}.crt"


class Tsa:
    """``openssl ts -reply`` with a TSA certificate issued by a local root."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = make_ca(folder, "Test TSA Root")
        (folder / "tsa.ext").write_text("extendedKeyUsage=critical,timeStamping\n")
        openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", "/CN=Test Time Stamping Authority", cwd=folder,
        )  # fmt: skip
        openssl(
            "x509", "-req", "-in", "tsa.csr", "-CA", "Test TSA Root.crt", "-CAkey",
            "Test TSA Root.key", "-CAcreateserial", "-out", "tsa.crt", "-days", "365",
            "-extfile", "tsa.ext", cwd=folder,
        )  # fmt: skip
        (folder / "serial").write_text("01\n")
        (folder / "tsa.cnf").write_text(TSA_CONFIG.format(dir=folder))

    def stamp(self, data: Path) -> bytes:
        query, reply = self.folder / "query.tsq", self.folder / "reply.tsr"
        openssl("ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query),
                cwd=self.folder)  # fmt: skip
        openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", str(query), "-out",
                str(reply), cwd=self.folder)  # fmt: skip
        return reply.read_bytes()

    def stamp_with_expired_certificate(self, data: Path) -> bytes:
        """A token signed under a TSA certificate that expired in 2020 (``openssl ca``)."""
        (self.folder / "db").mkdir(exist_ok=True)
        (self.folder / "db/index.txt").write_text("")
        (self.folder / "db/serial").write_text("1000\n")
        (self.folder / "ca.cnf").write_text(CA_CONFIG)
        openssl(
            "ca", "-batch", "-config", "ca.cnf", "-cert", "Test TSA Root.crt", "-keyfile",
            "Test TSA Root.key", "-in", "tsa.csr", "-out", "expired.crt", "-startdate",
            "20200101000000Z", "-enddate", "20201231000000Z", "-extensions", "ext", "-notext",
            cwd=self.folder,
        )  # fmt: skip
        query, reply = self.folder / "query.tsq", self.folder / "expired.tsr"
        openssl("ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query),
                cwd=self.folder)  # fmt: skip
        openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", str(query), "-signer",
                "expired.crt", "-out", str(reply), cwd=self.folder)  # fmt: skip
        return reply.read_bytes()

    @property
    def roots(self) -> list[x509.Certificate]:
        return [x509.load_pem_x509_certificate(self.root.read_bytes())]


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Tsa:
    return Tsa(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def stamped(exported_bundle: ExportedBundle, tsa: Tsa, tmp_path: Path) -> Path:
    """A real bundle whose checkpoints carry time stamps, signed again as export would."""
    bundle = copy_bundle(exported_bundle.path, tmp_path / "bundle")
    for note in sorted((bundle / "log").rglob("*.note")):
        note.with_suffix(".tsr").write_bytes(tsa.stamp(note))
    resign(bundle, exported_bundle.key)
    return bundle


def test_stamped_checkpoints_verify_and_openssl_agrees(stamped: Path, tsa: Tsa) -> None:
    report = verify_bundle(stamped, tsa_roots=tsa.roots)
    assert report.ok, report.problems
    assert report.log is not None
    assert set(report.log.timestamps) == {
        p.relative_to(stamped).as_posix() for p in (stamped / "log").rglob("*.tsr")
    }
    assert len(report.log.timestamps) == 2
    stamp = report.log.timestamps["log/checkpoint.tsr"]
    assert stamp.trusted and stamp.tsa == "CN=Test Time Stamping Authority"
    assert report.notes == []
    [block] = [b for b in code_blocks(VERIFY_TEXT) if "openssl ts -verify" in b]
    script = "\n".join(line for line in block.splitlines() if not PLACEHOLDER.search(line))
    by_hand = subprocess.run(
        ["sh", "-c", f"TSA_CA='{tsa.root}'\n{script}"], cwd=stamped, capture_output=True,
        text=True,
    )  # fmt: skip
    assert by_hand.stdout.count("Verification: OK") == 2, by_hand.stdout + by_hand.stderr


def test_without_a_trusted_tsa_certificate_the_report_says_so(stamped: Path) -> None:
    report = verify_bundle(stamped)
    assert report.ok, report.problems
    assert any(
        n.startswith("log/checkpoint.tsr: stamped ")
        and "not checked against a trusted one (give it with --tsa-ca)" in n
        for n in report.notes
    )


def test_a_time_stamp_of_other_bytes_is_named(
    stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle
) -> None:
    (stamped / "log/checkpoint.tsr").write_bytes(tsa.stamp(stamped / "bagit.txt"))
    resign(stamped, exported_bundle.key)
    problems = verify_bundle(stamped, tsa_roots=tsa.roots).problems
    assert problems == [
        "log/checkpoint.tsr: it stamps other bytes than this note's (message imprint differs)"
    ]


def test_an_edited_time_is_named(stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle) -> None:
    token = bytearray((stamped / "log/checkpoint.tsr").read_bytes())
    at = token.index(b"\x18\x0f") + 2  # GeneralizedTime YYYYMMDDHHMMSSZ
    token[at + 3] = ord("9") if token[at + 3] != ord("9") else ord("8")
    (stamped / "log/checkpoint.tsr").write_bytes(bytes(token))
    resign(stamped, exported_bundle.key)
    problems = verify_bundle(stamped, tsa_roots=tsa.roots).problems
    assert problems == ["log/checkpoint.tsr: its TSTInfo was changed after the TSA signed it"]


def test_a_tsa_nobody_trusts_and_an_unreadable_token_are_named(
    stamped: Path, tmp_path: Path, exported_bundle: ExportedBundle
) -> None:
    other = make_ca(tmp_path / "other", "Other Root")
    roots = [x509.load_pem_x509_certificate(other.read_bytes())]
    problems = verify_bundle(stamped, tsa_roots=roots).problems
    assert (
        "log/checkpoint.tsr: signed by CN=Test Time Stamping Authority, which no given TSA "
        "certificate issued"
    ) in problems
    token = (stamped / "log/checkpoint.tsr").read_bytes()
    status = token.index(b"\x30\x03\x02\x01\x00")  # PKIStatusInfo: granted
    rejected = token[:status] + b"\x30\x03\x02\x01\x02" + token[status + 5 :]
    (stamped / "log/checkpoint.tsr").write_bytes(rejected)
    resign(stamped, exported_bundle.key)
    problems = verify_bundle(stamped).problems
    assert problems == ["log/checkpoint.tsr: the TSA did not grant the time stamp (status 2)"]
    (stamped / "log/checkpoint.tsr").write_bytes(b"not DER")
    resign(stamped, exported_bundle.key)
    [problem] = verify_bundle(stamped).problems
    assert problem.startswith("log/checkpoint.tsr: not a readable RFC 3161 time-stamp response")


def test_a_time_stamp_added_after_signing_is_not_covered(
    exported_bundle: ExportedBundle, tsa: Tsa, tmp_path: Path
) -> None:
    bundle = copy_bundle(exported_bundle.path, tmp_path / "bundle")
    (bundle / "log/checkpoint.tsr").write_bytes(tsa.stamp(bundle / "log/checkpoint.note"))
    assert verify_bundle(bundle, tsa_roots=tsa.roots).problems == [
        "log/checkpoint.tsr: not covered by the tag manifests, so the bundle's signature does "
        "not vouch for it"
    ]


def test_verify_txt_s_openssl_command_rejects_a_broken_token(
    stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle
) -> None:
    token = bytearray((stamped / "log/checkpoint.tsr").read_bytes())
    token[-1] ^= 0x01
    (stamped / "log/checkpoint.tsr").write_bytes(bytes(token))
    [block] = [b for b in code_blocks(VERIFY_TEXT) if "openssl ts -verify" in b]
    script = "\n".join(line for line in block.splitlines() if not PLACEHOLDER.search(line))
    by_hand = subprocess.run(
        ["sh", "-c", f"TSA_CA='{tsa.root}'\n{script}"], cwd=stamped, capture_output=True,
        text=True,
    )  # fmt: skip
    assert by_hand.stdout.count("Verification: OK") == 1
    assert "Verification: FAILED" in by_hand.stdout


def test_a_broken_tsa_signature_is_named(
    stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle
) -> None:
    token = bytearray((stamped / "log/checkpoint.tsr").read_bytes())
    token[-1] ^= 0x01  # openssl ends the token with the SignerInfo's signature
    (stamped / "log/checkpoint.tsr").write_bytes(bytes(token))
    resign(stamped, exported_bundle.key)
    problems = verify_bundle(stamped, tsa_roots=tsa.roots).problems
    assert problems == ["log/checkpoint.tsr: the TSA's signature does not verify"]


def test_both_commands_take_the_trusted_tsa_certificate(
    stamped: Path, tsa: Tsa, tmp_path: Path
) -> None:
    cli = Cli(tmp_path / "cps-home", "http://127.0.0.1:9/api", {})
    trusted = cli("bundle", "verify", str(stamped), "--tsa-ca", str(tsa.root), "--json")
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    stamps = trusted.json()["log"]["timestamps"]
    assert stamps["log/checkpoint.tsr"]["trusted"] is True
    other = make_ca(tmp_path / "other", "Other Root")
    untrusted = cli("bundle", "verify", str(stamped), "--tsa-ca", str(other))
    assert untrusted.returncode == 4
    assert "which no given TSA certificate issued" in untrusted.stdout
    missing = cli("bundle", "verify", str(stamped), "--tsa-ca", str(tmp_path / "none.pem"))
    assert missing.returncode == 2 and "none.pem: cannot be read" in missing.stderr


def test_a_tsa_certificate_expired_at_the_stamped_time_is_named(
    stamped: Path, tsa: Tsa, exported_bundle: ExportedBundle
) -> None:
    note = stamped / "log/checkpoint.note"
    (stamped / "log/checkpoint.tsr").write_bytes(tsa.stamp_with_expired_certificate(note))
    resign(stamped, exported_bundle.key)
    problems = verify_bundle(stamped, tsa_roots=tsa.roots).problems
    assert problems == ["log/checkpoint.tsr: the TSA certificate was not valid at the stamped time"]
