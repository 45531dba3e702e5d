"""Real peers for the federation tests: a TLS certificate, a central and a plant as processes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.paths import DEMO, REPO
from tests.runtime.ingest.peers import wait_for

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
