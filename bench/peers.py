"""Real peers shared by the federation bench and the tests: no test framework needed.

Free ports, a private Mosquitto, the demo plant as an MQTT plant or as a central, a throwaway TLS
CA, pabrik commands as processes that may be killed and restarted, and a registered plant on a
central. The test tree imports these (tests/connectors/peers.py, tests/runtime/ingest/peers.py,
tests/runtime/federation/); benches must never import the test tree.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pabrik.runtime.federation.plants import add_plant
from pabrik.storage.accounts import TenantRow
from pabrik.storage.postgres.store import PostgresStore

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "demo-plant.yaml"
HOST = "127.0.0.1"
WAIT_S = 60.0
"""How long a broker may take to listen."""
WAIT_FOR_S = 90.0
SUBSCRIBED = "subscribed as"
SOURCE = "mqtt"


# Ports are drawn below Linux's ephemeral range (32768-60999): the kernel never gives one of
# these to an outgoing connection, or to another process's bind to port 0, in the moment between
# our check and the server's own bind. The draw is random (SystemRandom, which no seeded test can
# replay) so parallel test workers and other sessions on the machine rarely pick the same port,
# and the bind check skips any port that is taken.
PORT_RANGE = (20000, 32767)
_RANDOM = random.SystemRandom()
_given: set[int] = set()
"""Ports this process has handed out: never twice, as a server may not have bound yet."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, new to this process."""
    while True:
        port = _RANDOM.randint(*PORT_RANGE)
        if port in _given:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
        _given.add(port)
        return port


def port_open(host: str, port: int) -> bool:
    """Whether something accepts connections there."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def mosquitto_binary() -> str | None:
    """The mosquitto program, on PATH or in /usr/sbin."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


@dataclass
class Broker:
    """A Mosquitto broker the tests talk to; private ones can be stopped and restarted."""

    host: str
    port: int
    folder: Path | None = None
    extra_conf: str = ""
    anonymous: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def private(self) -> bool:
        """Whether this test session started the broker (and may restart it)."""
        return self.folder is not None

    def conf(self) -> Path:
        """Write the broker configuration and return its path."""
        assert self.folder is not None
        path = self.folder / "mosquitto.conf"
        path.write_text(
            f"listener {self.port} {HOST}\n"
            f"allow_anonymous {'true' if self.anonymous else 'false'}\n"
            # Run as ourselves: as root, mosquitto would switch to a user that cannot write here.
            f"user {getpass.getuser()}\n"
            "persistence true\n"
            f"persistence_location {self.folder}/\n"
            "max_queued_messages 1000000\n"
            "max_inflight_messages 0\n"
            f"log_dest file {self.folder}/mosquitto.log\n"
            "log_type error\nlog_type warning\nlog_type notice\n" + self.extra_conf,
            encoding="utf-8",
        )
        return path

    def start(self) -> None:
        """Start the private broker and wait until it listens."""
        binary = mosquitto_binary()
        assert binary is not None
        assert self.folder is not None
        self.process = subprocess.Popen(
            [binary, "-c", str(self.conf())], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + WAIT_S
        while not port_open(self.host, self.port):
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {err}")
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start listening")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the private broker cleanly (it saves its persistent sessions)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()


def start_broker(folder: Path) -> Broker:
    """A started private Mosquitto (persistence on, big queues) listening on a free port."""
    if mosquitto_binary() is None:
        raise RuntimeError("mosquitto is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    broker = Broker(HOST, free_port(), folder)
    broker.start()
    return broker


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll until ``check`` holds; fail naming ``what`` after a generous timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass(frozen=True, slots=True)
class Machine:
    """Where a machine's topics are, and its signals."""

    site: str
    area: str
    line: str
    id: str
    signals: tuple[str, ...]

    def topic(self, kind: str) -> str:
        """Its topic of a kind in the unified namespace."""
        return f"pabrik/v1/{self.site}/{self.area}/{self.line}/{self.id}/{kind}"


def demo_machines() -> list[Machine]:
    """The demo plant's machines with their places and signals."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    return [
        Machine(
            data["site"]["id"], a["id"], ln["id"], m["id"], tuple(s["id"] for s in m["signals"])
        )
        for a in data["areas"]
        for ln in a["lines"]
        for m in ln["machines"]
    ]


def site_file(folder: Path, broker: Broker, **mqtt: Any) -> Path:
    """The demo plant with one MQTT connector on the test broker instead of its simulator."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    connector: dict[str, Any] = {
        "kind": "mqtt",
        "id": SOURCE,
        "broker": {
            "host": broker.host,
            "port": broker.port,
            "client_id": "pabrik-test",
            "reconnect_initial_s": 0.2,
            "reconnect_max_s": 2.0,
            "username": "pabrik",
            "password": "mqtt-s3cret",
        },
        "qos": 1,
        "session_expiry_s": 3600,
        "batch_size": 1000,
    }
    connector.update(mqtt)
    data["connectors"] = [connector]
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


_CA_USAGE = x509.KeyUsage(
    digital_signature=False, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A self-signed CA and a server certificate for 127.0.0.1: (ca, cert, key) PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("test CA")).issuer_name(_name("test CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_CA_USAGE, critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(san, critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def central_site(folder: Path) -> Path:
    """The demo plant without connectors (the central only receives)."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["connectors"] = []
    path = folder / "central.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def pabrik(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a pabrik command to its end; its output (fail on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "pabrik.cli.app", *args],
        capture_output=True, text=True, cwd=REPO, env=os.environ | (env or {}), timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@dataclass
class Proc:
    """A long-running pabrik command that the test may kill -9 and start again."""

    name: str
    args: list[str]
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    lives: int = 0
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _out: TextIO | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        """This life's log."""
        return self.folder / f"{self.name}-{self.lives}.log"

    def start(self) -> None:
        """Start a new life."""
        self.lives += 1
        self._out = self.log.open("w", encoding="utf-8")
        env = os.environ | {"PYTHONUNBUFFERED": "1", **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pabrik.cli.app", *self.args],
            stdout=self._out, stderr=subprocess.STDOUT, cwd=REPO, env=env,
        )  # fmt: skip

    def text(self) -> str:
        """What this life logged."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, needle: str, timeout: float = 90) -> None:
        """Wait for a line; fail at once if the process died."""

        def seen() -> bool:
            if needle in self.text():
                return True
            assert self.proc is not None
            assert self.proc.poll() is None, self.text()[-3000:]
            return False

        wait_for(seen, f"{self.name} to log {needle!r}", timeout)

    def kill(self) -> None:
        """SIGKILL."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)
        if self._out is not None:
            self._out.close()
            self._out = None

    def terminate(self) -> None:
        """SIGTERM and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        self.kill()


def register_plant(url: str, tenant_id: str, plant_id: str) -> str:
    """Migrate a central's PostgreSQL, add a tenant and one plant; the plant's credential."""
    now = dt.datetime.now(dt.UTC)
    store = PostgresStore(url)
    try:
        store.upgrade()
        row = TenantRow(tenant_id, tenant_id.upper(), None, None, None, "medium", "[]", now, now)
        store.save_tenant(row, [])
        return add_plant(store, plant_id, tenant_id, plant_id.replace("-", " ").title(), now)
    finally:
        store.close()
