"""The MQTT client pieces every session shares: message types, options, and the paho client.

paho is not thread-safe for writes from several threads, so a session makes every call on the
client (acks, publishes, disconnect) on its network thread (see ``session.py``).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import SecretStr

from pabrik.connectors.contract import InputRejection
from pabrik.connectors.mqtt.config import BrokerConfig
from pabrik.model.batch import RecordBatch, SampleRow
from pabrik.model.records import Record, to_epoch_ms


class Inbound(NamedTuple):
    """A received message; ``generation`` counts connections, so stale acks are dropped.

    A named tuple, not a frozen dataclass: it is made on paho's network thread for every
    message, and a tuple is made several times faster (issue 16).
    """

    topic: str | None
    payload: bytes
    qos: int
    mid: int
    generation: int
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to publish from the network thread."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


@dataclass(slots=True)
class Decoded:
    """What a handler made of a batch."""

    records: list[Record] = field(default_factory=list)
    rejections: list[InputRejection] = field(default_factory=list)
    # Samples of the fast path, as storage rows (no object per value).
    rows: list[SampleRow] = field(default_factory=list)

    def batch(self) -> Sequence[Record]:
        """What the sink gets: the records, with the rows when there are any."""
        return RecordBatch(self.records, self.rows) if self.rows else self.records

    def newest_ms(self) -> int | None:
        """The latest timestamp of the batch in epoch ms, or None when it holds nothing."""
        newest = max((to_epoch_ms(r.ts) for r in self.records), default=None)
        if self.rows:
            last = max(map(_TS, self.rows))
            newest = last if newest is None else max(newest, last)
        return newest


class Handler(Protocol):
    """Protocol-specific decoding of message batches (JSON, Sparkplug B)."""

    def decode(self, batch: Sequence[Inbound], now: datetime) -> Decoded:
        """Records and rejections for a batch; never raises."""
        ...

    def will(self) -> Outgoing | None:
        """The last will to register on the next connect, if any."""
        ...

    def on_connected(self) -> list[Outgoing]:
        """Messages to publish right after a successful connect (births, STATE)."""
        ...

    def on_closing(self) -> list[Outgoing]:
        """Messages to publish before a clean disconnect."""
        ...


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How a session subscribes, batches and acknowledges."""

    client_id: str
    filters: tuple[str, ...]
    qos: int = 1
    clean_start: bool = False
    session_expiry_s: int = 86_400
    receive_maximum: int = 10_000
    batch_size: int = 2000
    batch_interval_s: float = 0.05
    max_pending: int = 50_000

    def batch_limit(self, queued: int) -> int:
        """The most messages the next batch takes: batch_size, or more of a backlog.

        A batch pays fixed costs (detector checkpoints, alarm views, the commit), so a session
        that fell behind catches up faster in bigger batches; one that keeps up still commits
        every batch_size messages or batch_interval, so its latency stays low (issue 16).
        """
        if queued <= self.batch_size:
            return self.batch_size
        cap = min(self.batch_size * BACKLOG_BATCHES, MAX_BATCH)
        if self.qos > 0:
            # The broker holds back messages beyond receive_maximum unacknowledged: half stays
            # free so that the next batch arrives while this one is stored.
            cap = min(cap, self.receive_maximum // 2)
        return max(self.batch_size, min(queued, cap))


BACKLOG_BATCHES = 10
"""A backlog is taken in batches of up to this many times batch_size."""
MAX_BATCH = 100_000
"""The most messages of one batch, as the largest batch_size a site may set."""


_TS = itemgetter(2)


def utc_now() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(UTC)


_READ_SIZE = 65_536


class BufferedClient(paho.Client):
    """paho reading the socket 64 KiB at a time, serving its small reads from that buffer.

    paho reads each packet with three ``recv`` calls after a ``select``: four system calls,
    each handing the GIL to the batch thread, per message. One read now serves hundreds of
    packets, and ``_loop`` reads what is buffered without waiting on the socket (issue 16).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rsock: object = None
        self._rbuf = b""
        self._rpos = 0
        self.on_raw_message: RawMessageHandler | None = None
        """Takes plain QoS 0 and 1 PUBLISH packets instead of ``on_message`` when set."""

    @property
    def buffered(self) -> int:
        """Bytes read from the current socket and not yet handed to paho."""
        return len(self._rbuf) - self._rpos if self._sock is self._rsock else 0

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._sock is not self._rsock:
            # A new connection: nothing the old socket left may reach it.
            self._rsock, self._rbuf, self._rpos = self._sock, b"", 0
        pos, buf = self._rpos, self._rbuf
        if pos >= len(buf):
            buf = super()._sock_recv(_READ_SIZE)
            if not buf:
                return buf
            self._rbuf, pos = buf, 0
        self._rpos = pos + bufsize
        return buf[pos : pos + bufsize]

    def _loop(self, timeout: float = 1.0) -> MQTTErrorCode:
        if not self.buffered:
            return super()._loop(timeout)
        # select() cannot see bytes already read: handle them without waiting on the socket.
        for _ in range(_PACKETS_PER_LOOP):
            rc = self.loop_read()
            if rc or self._sock is None:
                return rc
            if not self.buffered:
                break
        if self.want_write():
            rc = self.loop_write()
            if rc or self._sock is None:
                return rc
        return self.loop_misc()

    def _handle_publish(self) -> MQTTErrorCode:
        deliver = self.on_raw_message
        header: int = self._in_packet["command"]
        packet: bytearray = self._in_packet["packet"]
        found = None if deliver is None else _plain_publish(header, packet, self._protocol)
        if deliver is None or found is None:
            return super()._handle_publish()
        topic, payload, qos, mid = found
        deliver(topic, payload, qos, mid, bool(header & 1))
        if qos and not self._manual_ack:
            return self._send_puback(mid)
        return MQTTErrorCode.MQTT_ERR_SUCCESS


_PACKETS_PER_LOOP = 64

RawMessageHandler = Callable[[str | None, bytes, int, int, bool], None]
"""(topic, or None when it is not UTF-8; payload; qos; mid; retain)."""


def _plain_publish(
    header: int, packet: bytearray, protocol: int
) -> tuple[str | None, bytes, int, int] | None:
    """Topic, payload, qos and mid of a PUBLISH paho would read the same way; else None.

    Only QoS 0 or 1 with a topic and, in MQTT 5, no properties: paho's own decoder (which
    builds a Properties object and a message per packet) takes anything else, so every
    property, topic alias and malformed packet is handled exactly as paho handles it.
    """
    qos = (header & 0x06) >> 1
    size = len(packet)
    if qos > 1 or size < 2:
        return None
    end = 2 + ((packet[0] << 8) | packet[1])
    pos = end + 2 if qos else end
    if end == 2 or pos > size:
        return None
    mid = (packet[end] << 8) | packet[end + 1] if qos else 0
    if protocol == MQTTProtocolVersion.MQTTv5:
        if pos >= size or packet[pos]:
            return None
        pos += 1
    view = memoryview(packet)
    try:
        topic: str | None = str(view[2:end], "utf-8")
    except UnicodeDecodeError:
        topic = None
    return topic, bytes(view[pos:]), qos, mid


def new_client(broker: BrokerConfig, client_id: str, *, clean_start: bool) -> paho.Client:
    """A paho client with TLS and credentials set, manual acks on."""
    v5 = broker.protocol == "5"
    client = BufferedClient(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=None if v5 else clean_start,
        protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
        manual_ack=True,
    )
    client.connect_timeout = broker.connect_timeout_s
    if broker.username is not None:
        client.username_pw_set(broker.username, _reveal(broker.password))
    if broker.tls is not None:
        tls = broker.tls
        client.tls_set(
            ca_certs=str(tls.ca_file) if tls.ca_file else None,
            certfile=str(tls.cert_file) if tls.cert_file else None,
            keyfile=str(tls.key_file) if tls.key_file else None,
            keyfile_password=_reveal(tls.key_password),
            cert_reqs=ssl.CERT_REQUIRED,
        )
        client.tls_insecure_set(tls.insecure)
    return client


def _reveal(secret: SecretStr | None) -> str | None:
    """The secret's text, only at the moment it is handed to paho."""
    return secret.get_secret_value() if secret is not None else None


def connect_properties(options: SessionOptions) -> Properties:
    """MQTT 5 CONNECT properties: session expiry and how many QoS 1 messages may be unacked."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0 if options.clean_start else options.session_expiry_s
    props.ReceiveMaximum = options.receive_maximum
    return props
