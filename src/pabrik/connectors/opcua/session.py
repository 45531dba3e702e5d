"""Open an asyncua client session with the configured security and identity."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from asyncua import Client, Node, ua
from asyncua.crypto import uacrypto
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256
from asyncua.ua.uaerrors import UaError
from cryptography import x509

from pabrik.connectors.opcua.config import OpcuaEndpoint
from pabrik.connectors.opcua.mapping import Change, pick_timestamp

# Library errors that mean "the server is not reachable or the session broke".
SESSION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    ConnectionError,
    UaError,
)

_MODES = {
    "Sign": ua.MessageSecurityMode.Sign,
    "SignAndEncrypt": ua.MessageSecurityMode.SignAndEncrypt,
}


async def certificate_uri(path: str) -> str | None:
    """The application URI in a certificate's subjectAltName, if any."""
    cert = await uacrypto.load_certificate(path)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    uris = san.value.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else None


async def _secure(client: Client, config: OpcuaEndpoint) -> None:
    sec = config.security
    if sec.policy == "None":
        return
    assert sec.certificate is not None
    assert sec.private_key is not None
    # Servers check that the client's ApplicationUri matches its certificate.
    uri = sec.application_uri or await certificate_uri(str(sec.certificate))
    if uri:
        client.application_uri = uri
    password = sec.private_key_password.get_secret_value() if sec.private_key_password else None
    await client.set_security(
        SecurityPolicyBasic256Sha256,
        certificate=str(sec.certificate),
        private_key=str(sec.private_key),
        private_key_password=password,
        server_certificate=str(sec.server_certificate) if sec.server_certificate else None,
        mode=_MODES[sec.mode],
    )


async def open_client(config: OpcuaEndpoint) -> Client:
    """A connected client; the caller must ``close_client`` it."""
    client = Client(
        config.endpoint, timeout=config.timeout_s, watchdog_intervall=config.watchdog_interval_s
    )
    client.name = client.description = f"pabrik {config.id}"
    if config.username:
        client.set_user(config.username)
        if config.password is not None:
            client.set_password(config.password.get_secret_value())
    await _secure(client, config)
    # pabrik's own loop reconnects with backoff and rebuilds subscriptions.
    async with asyncio.timeout(config.timeout_s * 3):
        await client.connect(auto_reconnect=False)
    return client


async def close_client(client: Client, timeout_s: float) -> None:
    """Disconnect, ignoring a server that is already gone."""
    with contextlib.suppress(*SESSION_ERRORS, RuntimeError):
        async with asyncio.timeout(timeout_s):
            await client.disconnect()


async def operation_limit(client: Client, object_id: int) -> int:
    """A server operation limit (0 when unknown or unlimited)."""
    try:
        value = await client.get_node(object_id).read_value()
    except SESSION_ERRORS:
        return 0
    return int(value) if isinstance(value, int) and value > 0 else 0


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]


async def read_data_values(client: Client, nodes: Sequence[Node], batch: int) -> list[ua.DataValue]:
    """Values with status and timestamps, read in batches of at most ``batch`` nodes."""
    values: list[ua.DataValue] = []
    for part in chunks(nodes, batch):
        values.extend(await client.read_attributes(part, ua.AttributeIds.Value))
    return values


def change_of(node: str, value: ua.DataValue, received: datetime) -> Change:
    """One node value as mapping sees it: raw value, status code and the best timestamp."""
    variant = value.Value
    raw = variant.Value if variant is not None else None
    status = int(value.StatusCode.value) if value.StatusCode is not None else 0
    ts = pick_timestamp(value.SourceTimestamp, value.ServerTimestamp, received)
    return Change(node, raw, status, ts)


async def wait_any(events: Iterable[asyncio.Event], seconds: float) -> None:
    """Wait until one of ``events`` is set, or ``seconds`` have passed."""
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
