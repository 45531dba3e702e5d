"""Real peers for OPC UA tests: an asyncua server on a free port, certificates, the plant.

The fixtures over these live in this folder's conftest.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncua import Server, ua
from asyncua.common.node import Node
from asyncua.crypto.permission_rules import User, UserRole
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.connectors.peers import free_port

NAMESPACE = "urn:pabrik:test:plant"
SERVER_URI = "urn:pabrik:test:server"
CLIENT_URI = "urn:pabrik:test:client"
USERS = {"operator": "rahasia-123"}

PLANT = {
    "site": {"id": "uji", "name": "Pabrik uji"},
    "calendar": {
        "shifts": [{"id": "s1", "name": {"id": "Shift 1"}, "start": "00:00", "end": "23:59"}]
    },
    "areas": [
        {
            "id": "a",
            "name": {"id": "Area"},
            "lines": [
                {
                    "id": "l",
                    "name": {"id": "Lini"},
                    "machines": [
                        {
                            "id": m,
                            "name": {"id": m},
                            "products": [{"id": "p", "name": {"id": "p"}, "ideal_cycle_time_s": 1}],
                            "signals": [{"id": f"v{i}", "name": {"id": f"v{i}"}} for i in range(60)]
                            + [{"id": s, "name": {"id": s}} for s in ("temperature", "pressure")],
                            "state_map": {"1": "running", "0": "idle", "2": "unplanned_stop"},
                        }
                        for m in ("press-1", "press-2")
                    ],
                }
            ],
        }
    ],
}


@dataclass
class Peer:
    """A running test server and handles to its variables by node id text."""

    server: Server
    url: str
    port: int
    nodes: dict[str, Node] = field(default_factory=dict)

    async def write(self, node: str, value: Any, status: int | None = None) -> None:
        variant = ua.Variant(value, variant_type(value))
        now = dt.datetime.now(dt.UTC)
        data = ua.DataValue(
            variant,
            StatusCode=ua.StatusCode(status if status is not None else ua.StatusCodes.Good),
            SourceTimestamp=now,
            ServerTimestamp=now,
        )
        await self.nodes[node].write_value(data)


def variant_type(value: Any) -> ua.VariantType:
    """The OPC UA type a test variable of this Python value has."""
    if isinstance(value, bool):
        return ua.VariantType.Boolean
    if isinstance(value, int):
        return ua.VariantType.Int32
    if isinstance(value, float):
        return ua.VariantType.Double
    return ua.VariantType.String


class PasswordUsers:
    """Accepts only the known user names with their passwords."""

    def get_user(
        self,
        iserver: Any,
        username: str | None = None,
        password: str | None = None,
        certificate: Any = None,
    ) -> User | None:
        if username is not None and USERS.get(username) == password:
            return User(role=UserRole.User, name=username)
        return None


@dataclass(frozen=True)
class Certs:
    """Files written by ``make_certs``."""

    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _cert(
    key: rsa.RSAPrivateKey, name: str, uri: str, usage: x509.ObjectIdentifier
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    san = x509.SubjectAlternativeName(
        [
            x509.UniformResourceIdentifier(uri),
            x509.DNSName("localhost"),
            x509.DNSName(socket.gethostname()),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
    )
    usage_ext = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=True,
        data_encipherment=True,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
        .add_extension(usage_ext, critical=False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(key, hashes.SHA256())
    )


def make_certs(folder: Path) -> Certs:
    """Self-signed server and client certificates (DER) and keys (PEM)."""
    paths = []
    for who, uri, usage in (
        ("server", SERVER_URI, ExtendedKeyUsageOID.SERVER_AUTH),
        ("client", CLIENT_URI, ExtendedKeyUsageOID.CLIENT_AUTH),
    ):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _cert(key, f"pabrik test {who}", uri, usage)
        cert_path, key_path = folder / f"{who}.der", folder / f"{who}-key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        paths += [cert_path, key_path]
    return Certs(*paths)


VARIABLES: list[tuple[str, str, str, Any]] = [
    ("Press1", "press-1.temperature", "Temperature", 21.5),
    ("Press1", "press-1.pressure", "Pressure", 101.0),
    ("Press1", "press-1.state", "State", 1),
    ("Press1", "press-1.counter", "Counter", 100),
    ("Press1", "press-1.label", "Label", "cetak"),
    ("Press2", "press-2.temperature", "Temperature", 30.0),
]


@asynccontextmanager
async def opcua_server(
    port: int | None = None,
    *,
    certs: Certs | None = None,
    extra: int = 0,
) -> AsyncIterator[Peer]:
    """A server with two machine objects; ``certs`` makes it Basic256Sha256 + passwords only."""
    port = port or free_port()
    server = Server(user_manager=PasswordUsers() if certs else None)  # type: ignore[arg-type]
    await server.init()
    url = f"opc.tcp://127.0.0.1:{port}/pabrik/"
    server.set_endpoint(url)
    await server.set_application_uri(SERVER_URI)
    if certs:
        await server.load_certificate(str(certs.server_cert))
        await server.load_private_key(str(certs.server_key))
        server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        server.set_identity_tokens([ua.UserNameIdentityToken])
    else:
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await server.register_namespace(NAMESPACE)
    peer = Peer(server, url, port)
    objects: dict[str, Node] = {}
    for obj, node_id, name, value in VARIABLES:
        if obj not in objects:
            objects[obj] = await server.nodes.objects.add_object(ua.NodeId(obj, idx), obj)
        peer.nodes[node_id] = await objects[obj].add_variable(
            ua.NodeId(node_id, idx), name, value, varianttype=variant_type(value)
        )
    if extra:
        bulk = await server.nodes.objects.add_object(ua.NodeId("Bulk", idx), "Bulk")
        for i in range(extra):
            node_id = f"bulk.v{i}"
            peer.nodes[node_id] = await bulk.add_variable(ua.NodeId(node_id, idx), f"v{i}", 0.0)
    await server.start()
    try:
        yield peer
    finally:
        await server.stop()


def node(text: str) -> str:
    """The node id text a config uses for a test variable (namespace 2)."""
    return f"ns=2;s={text}"


async def until(condition: Callable[[], bool], *, limit_s: float = 30.0) -> None:
    """Wait for a condition; the limit only guards against a hang, it measures nothing."""
    async with asyncio.timeout(limit_s):
        while not condition():  # noqa: ASYNC110 - conditions are plain reads, not events
            await asyncio.sleep(0.02)
