"""Trusted time for checkpoints: with EVIDENCE_TSA_URL set, each new checkpoint gets an
RFC 3161 token from the authority, stored beside it and carried in bundles. The authority
here is Debian's ``openssl ts -reply`` behind a small loopback HTTP responder."""

from __future__ import annotations

import http.server
import io
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence.custody import Actor
from evidence.errors import StoreError
from evidence.model import EvidenceItem, utcnow
from evidence.quarantine import Quarantine
from evidence.settings import Settings
from storage.bootstrap import Services
from storage.database import make_engine, migrate
from storage.local_store import LocalStore
from storage.tsa import HttpTimeStamper
from storage.unit_of_work import SqlRepository
from tests.fixtures import tlog as tlog_calls

TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tsa")
    (folder / "tsa.cnf").write_text(TSA_CONFIG.format(dir=folder))
    (folder / "serial").write_text("01\n")
    (folder / "ext.cnf").write_text("extendedKeyUsage = critical,timeStamping\n")
    # P-256, not Ed25519: OpenSSL's TSA signs with CMS/PKCS#7, which has no Ed25519 there.
    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-subj",
            "/CN=Test Root", "-days", "2", cwd=folder)  # fmt: skip
    openssl("req", *key, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Test TSA",
            cwd=folder)  # fmt: skip
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tsa.crt", "-days", "2", "-extfile", "ext.cnf",
            cwd=folder)  # fmt: skip
    lock = threading.Lock()

    class Responder(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (folder / "request.tsq").write_bytes(query)
                openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "request.tsq",
                        "-inkey", "tsa.key", "-signer", "tsa.crt", "-out", "reply.tsr",
                        cwd=folder)  # fmt: skip
                reply = (folder / "reply.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Responder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", folder
    finally:
        server.shutdown()
        server.server_close()


def build(root: Path, tsa_url: str | None) -> Services:
    url = f"sqlite:///{root / 'evidence.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    return Services(
        settings=Settings(home=root / "home", database_url=url, tsa_url=tsa_url),
        engine=engine,
        repo=SqlRepository(engine),
        store=LocalStore(root / "store"),
        quarantine=Quarantine(root / "quarantine"),
    )


def hold(services: Services, payload: bytes) -> EvidenceItem:
    stored = services.store.put(io.BytesIO(payload))
    item = EvidenceItem(
        id=stored.sha256[:32], sha256=stored.sha256, size=stored.size, kind="call",
        original_name="c.wav", source_path="c.wav", storage_key=stored.key,
        store_location=stored.location, ingested_at=utcnow(),
    )  # fmt: skip
    return services.repo.add_item(
        item, [("received", Actor("PC1", "h"), item.sha256, {}, utcnow())]
    )


def test_each_new_checkpoint_gets_a_token_that_openssl_verifies(
    tsa: tuple[str, Path], tmp_path: Path
) -> None:
    url, folder = tsa
    services = build(tmp_path, url)
    try:
        hold(services, b"timed" * 100)
        written = tlog_calls.checkpoint(services)
        assert written is not None
        token = tmp_path / "store" / written.key.replace(".note", ".tsr")
        note = tmp_path / "store" / written.key
        assert not token.stat().st_mode & 0o222
        verified = subprocess.run(
            ["openssl", "ts", "-verify", "-data", str(note), "-in", str(token),
             "-CAfile", str(folder / "ca.crt"), "-untrusted", str(folder / "tsa.crt")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert verified.returncode == 0 and "OK" in verified.stdout, verified.stderr
        # The token is over the note's bytes: another note does not verify against it.
        other = tmp_path / "other.note"
        other.write_bytes(note.read_bytes() + b"\n")
        refused = subprocess.run(
            ["openssl", "ts", "-verify", "-data", str(other), "-in", str(token),
             "-CAfile", str(folder / "ca.crt"), "-untrusted", str(folder / "tsa.crt")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert refused.returncode != 0
    finally:
        services.engine.dispose()


def test_without_the_setting_nothing_changes_and_a_dead_authority_is_named(
    tmp_path: Path,
) -> None:
    services = build(tmp_path, None)
    try:
        hold(services, b"untimed" * 100)
        written = tlog_calls.checkpoint(services)
        assert written is not None
        assert services.store.list_named("log/checkpoints") == [written.key]
    finally:
        services.engine.dispose()
    with pytest.raises(StoreError, match="not reachable"):
        HttpTimeStamper("http://127.0.0.1:9/tsa").stamp(b"note")


def test_bundles_carry_the_tokens_of_their_checkpoints(
    tsa: tuple[str, Path], tmp_path: Path
) -> None:
    from evidence.tlog_bundle import ExhibitEvents, bundle_log

    services = build(tmp_path, tsa[0])
    try:
        item = hold(services, b"bundled" * 100)
        installation = services.installation()
        notary, stamper = installation.notary, installation.stamper
        with services.unit_of_work() as uow:
            first = bundle_log(uow.tlog, services.store, notary, "01YZ1", "B1",
                               [ExhibitEvents("R/1", item.id, services.repo.custody(item.id))],
                               stamper)  # fmt: skip
            uow.tlog.record_cut(first.cut)
            uow.commit()
        services.repo.append_event(item.id, "exported-to-cps", Actor("DC1", "h"), {})
        with services.unit_of_work() as uow:
            second = bundle_log(uow.tlog, services.store, notary, "01YZ1", "B2",
                                [ExhibitEvents("R/1", item.id, services.repo.custody(item.id))],
                                stamper)  # fmt: skip
    finally:
        services.engine.dispose()
    names = sorted(second.files)
    assert "log/checkpoint.tsr" in names
    [earlier] = [n for n in names if n.startswith("log/earlier/") and n.endswith(".note")]
    assert earlier.removesuffix(".note") + ".tsr" in names
    assert second.files["log/checkpoint.tsr"] != first.files["log/checkpoint.tsr"]
