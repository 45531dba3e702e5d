"""The OPC UA connector: batched subscriptions (or batched reads), reconnect, staleness."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from asyncua import Client, Node, ua
from asyncua.common.subscription import (
    DataChangeEvent,
    OverflowPolicy,
    StatusChangeEvent,
    Subscription,
)

from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import (
    ConnectionState,
    ConnectorMetrics,
    InputRejection,
    Link,
    ProbeResult,
    Sink,
    error_text,
)
from pabrik.connectors.opcua.config import OpcuaConfig, OpcuaSignal
from pabrik.connectors.opcua.diagnostics import SessionInfo, diagnostics, session_details
from pabrik.connectors.opcua.handover import Gate, Generation, cancel_all, retire
from pabrik.connectors.opcua.mapping import Change, Mapper, mapper_for
from pabrik.connectors.opcua.probe import probe
from pabrik.connectors.opcua.session import (
    SESSION_ERRORS,
    change_of,
    chunks,
    close_client,
    open_client,
    operation_limit,
    read_data_values,
    wait_any,
)
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.states import Quality

log = logging.getLogger(__name__)

_MAX_ITEMS_PER_CALL = (
    ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall
)
_MAX_NODES_PER_READ = ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead


class SessionLostError(Exception):
    """The server went away or ended the subscription; reconnect."""


RECOVERABLE: tuple[type[BaseException], ...] = (*SESSION_ERRORS, SessionLostError)


class OpcuaConnector:
    """Delivers node values from one OPC UA server to a sink, reconnecting forever."""

    def __init__(self, config: OpcuaConfig, plant: Plant) -> None:
        self.config = config
        self.mapper = mapper_for(config, plant)
        self.session = SessionInfo()
        self._metrics = ConnectorMetrics()
        self._link = Link(self._metrics)
        self._stopping = asyncio.Event()
        self._lost = asyncio.Event()
        self._buffer: list[tuple[Mapper, Change]] = []
        self._held: list[InputRejection] = []
        self._ready = asyncio.Event()
        self._down_since: float | None = None
        self._node_keys: dict[ua.NodeId, str] = {}
        # A new configuration is taken under this lock, never while a session subscribes.
        self._switch = asyncio.Lock()
        self._client: Client | None = None
        self._gate = Gate()
        self._pending: tuple[OpcuaConfig, Mapper] | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    @property
    def id(self) -> str:
        """The connector id, the ``source`` of its records."""
        return self.config.id

    @property
    def metrics(self) -> ConnectorMetrics:
        """Its counters."""
        return self._metrics

    @property
    def state(self) -> ConnectionState:
        """Connected once subscriptions are created (or, in read mode, a read answered)."""
        return self._link.state

    async def run(self, sink: Sink) -> None:
        """Connect, deliver, and on any loss reconnect with backoff until ``stop``."""
        self._stopping.clear()
        backoff = Backoff(self.config.reconnect_initial_s, self.config.reconnect_max_s)
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            client: Client | None = None
            self._link.set(ConnectionState.CONNECTING)
            try:
                client = await open_client(self.config)
                await self._serve(client, sink, backoff)
            except RECOVERABLE as err:
                self._metrics.last_error = error_text(err, 500)
                log.info("opcua %s: session ended: %s", self.id, self._metrics.last_error)
            except Exception as err:
                self._metrics.last_error = error_text(err, 500)
                log.exception("opcua %s: session failed", self.id)
            finally:
                self._link.set(ConnectionState.DISCONNECTED)
                if client is not None:
                    await close_client(client, self.config.timeout_s)
            if self._down_since is None:
                self._down_since = loop.time()
            await self._wait_down(sink, backoff.next_delay())

    async def _serve(self, client: Client, sink: Sink, backoff: Backoff) -> None:
        self._lost.clear()

        async def lost(exc: Exception) -> None:
            self._metrics.last_error = f"connection lost: {exc!r}"[:500]
            self._lost.set()

        client.connection_lost_callback = lost
        self.session = SessionInfo()
        if self.config.mode == "read":
            await self._serve_reads(client, sink, backoff)
        else:
            await self._serve_subscriptions(client, sink, backoff)

    async def _serve_subscriptions(self, client: Client, sink: Sink, backoff: Backoff) -> None:
        try:
            async with self._switch:
                self._take_pending()
                subs, rejections = await self.subscribe(client)
                self._gate.end(self._start(Generation(self.mapper, subs)))
                self._client = client
            if rejections:
                await self._submit(sink, [], rejections)
            self._up(backoff)
            await self._deliver_loop(sink)
        finally:
            self._client = None
            self._gate.end(None)
            await cancel_all(self._pumps)

    def _start(self, gen: Generation) -> Generation:
        for sub in gen.subs:
            task = asyncio.create_task(self._pump(sub, gen), name=f"opcua-pump-{self.id}")
            gen.pumps.append(task)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)
        return gen

    async def reconfigure(self, config: OpcuaConfig, plant: Plant) -> bool:
        """Take changed signals without a restart; False when the session itself changed."""
        if config.model_copy(update={"signals": self.config.signals}) != self.config:
            return False
        mapper = mapper_for(config, plant)
        # Counter bases and last states follow their node, so no unit is lost or repeated.
        mapper.tracker = self.mapper.tracker
        async with self._switch:
            old = self._gate.current
            if config == self.config and old is not None:
                old.mapper = self.mapper = mapper  # only the plant's state maps changed
                return True
            if config.mode == "read" or self._client is None or old is None:
                # Read mode swaps between polls; without a session, the next one subscribes.
                self._pending = (config, mapper)
                if config.mode != "read":
                    self._take_pending()
                return True
            try:
                await self._hand_over(self._client, old, config, mapper)
            except RECOVERABLE as err:
                # The session broke meanwhile: the next one subscribes with the new signals.
                self._metrics.last_error = error_text(err, 500)
                self._gate.end(None)
                self._lost.set()
        return True

    async def _hand_over(
        self, client: Client, old: Generation, config: OpcuaConfig, mapper: Mapper
    ) -> None:
        """Subscribe the new signals, wait until the old subscriptions owe nothing, drop them."""
        shared = old.mapper.signals.keys() & mapper.signals.keys()
        self.config, self.mapper = config, mapper
        subs, rejections = await self.subscribe(client)
        self._held += rejections
        new = Generation(mapper, subs)
        self._gate.begin(old, new, shared)
        self._start(new)
        # Each old subscription publishes within its interval; past that it owes nothing.
        longest_s = max(config.interval_ms(s) for s in old.mapper.signals.values()) / 1000
        await self._gate.settle(self._lost, 2 * longest_s + 1.0)
        if self._lost.is_set():
            raise SessionLostError(self._metrics.last_error or "connection lost")
        if not self._gate.settled():
            log.warning("opcua %s: old subscriptions deleted before they caught up", self.id)
        self._gate.end(new)
        gone = await retire(old)
        self.session.subscriptions = [i for i in self.session.subscriptions if i not in gone]

    def _take_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.config, self.mapper = pending

    def _up(self, backoff: Backoff) -> None:
        """Data flows again: stop ageing samples, forget the backoff, say connected."""
        self._down_since = None
        backoff.reset()
        self._link.set(ConnectionState.CONNECTED)

    async def subscribe(self, client: Client) -> tuple[list[Subscription], list[InputRejection]]:
        """One subscription per publishing interval, its items created in batches."""
        groups: dict[float, list[OpcuaSignal]] = defaultdict(list)
        for signal in self.config.signals:
            groups[self.config.interval_ms(signal)].append(signal)
        limit = await operation_limit(client, _MAX_ITEMS_PER_CALL)
        batch = min(self.config.batch_size, limit) if limit else self.config.batch_size
        subs: list[Subscription] = []
        rejections: list[InputRejection] = []
        for interval, signals in sorted(groups.items()):
            sub = await client.create_subscription(
                interval,
                handler=None,
                queue_maxsize=max(10_000, 4 * len(signals)),
                overflow=OverflowPolicy.DROP_OLDEST,
            )
            subs.append(sub)
            self.session.subscriptions.append(int(sub.subscription_id or 0))
            nodes = [self._node(client, s.node) for s in signals]
            for part in chunks(nodes, batch):
                rejections += await self._monitor(sub, part)
        return subs, rejections

    def _node(self, client: Client, node_id: str) -> Node:
        node = client.get_node(node_id)
        self._node_keys[node.nodeid] = node_id
        return node

    async def _monitor(self, sub: Subscription, nodes: Sequence[Node]) -> list[InputRejection]:
        self.session.create_calls += 1
        results = await sub.subscribe_data_change(
            list(nodes),
            queuesize=self.config.queue_size,
            sampling_interval=ua.Double(self.config.sampling_interval_ms),
        )
        rejections = []
        for node, result in zip(nodes, results, strict=True):
            if isinstance(result, ua.StatusCode):
                key = self._node_keys[node.nodeid]
                self.session.rejected_nodes[key] = result.name
                detail = f"server refused to monitor {key}: {result.name}"
                rejections.append(InputRejection(self.id, "node_rejected", detail, key))
            else:
                self.session.monitored_items += 1
        return rejections

    async def _pump(self, sub: Subscription, gen: Generation) -> None:
        async for event in sub:
            if isinstance(event, DataChangeEvent):
                key = self._node_keys.get(event.node.nodeid) or event.node.nodeid.to_string()
                received = datetime.now(UTC)
                change = change_of(key, event.data.monitored_item.Value, received)
                if self._gate.admit(gen, change):
                    self._buffer.append((gen.mapper, change))
                    self._ready.set()
            elif isinstance(event, StatusChangeEvent) and event.notification.Status.is_bad():
                # The server ended the subscription (e.g. BadTimeout): rebuild the session.
                self._metrics.last_error = f"subscription status {event.notification.Status.name}"
                self._lost.set()
                self._ready.set()

    async def _deliver_loop(self, sink: Sink) -> None:
        while not self._stopping.is_set() and not self._lost.is_set():
            await wait_any(
                (self._ready, self._lost, self._stopping), self.config.publishing_interval_ms / 1000
            )
            await self._flush(sink)
        # Changes that arrived before the loss or the stop are still good data.
        await self._flush(sink)
        if self._lost.is_set():
            raise SessionLostError(self._metrics.last_error or "connection lost")

    async def _flush(self, sink: Sink) -> None:
        self._ready.clear()
        batch, self._buffer = self._buffer, []
        held, self._held = self._held, []
        if held:
            await self._submit(sink, [], held)
        if batch:
            await self._deliver(sink, batch)

    async def _deliver(self, sink: Sink, items: list[tuple[Mapper, Change]]) -> None:
        """Map each change with the mapping it was admitted under, and commit them together."""
        self._metrics.received += len(items)
        records: list[Record] = []
        rejections: list[InputRejection] = []
        for mapper, group in groupby(items, key=itemgetter(0)):
            mapped = mapper.map(change for _, change in group)
            records += mapped.records
            rejections += mapped.rejections
        await self._submit(sink, records, rejections)
        now = datetime.now(UTC)
        oldest = min(c.ts for _, c in items)
        self._metrics.lag_s = max(0.0, (now - oldest).total_seconds())
        self._metrics.last_message_at = now

    async def _submit(
        self, sink: Sink, records: Sequence[Any], rejections: Sequence[InputRejection]
    ) -> None:
        if not records and not rejections:
            return
        await asyncio.to_thread(sink.submit, records, rejections)
        self._metrics.accepted += len(records)
        self._metrics.rejected += len(rejections)

    async def _serve_reads(self, client: Client, sink: Sink, backoff: Backoff) -> None:
        limit = await operation_limit(client, _MAX_NODES_PER_READ)
        batch = min(self.config.batch_size, limit) if limit else self.config.batch_size
        loop = asyncio.get_running_loop()
        due = loop.time()
        while not self._stopping.is_set() and not self._lost.is_set():
            # A new configuration is taken between two polls, keeping the schedule.
            self._take_pending()
            mapper, keys = self.mapper, [s.node for s in self.config.signals]
            nodes = [self._node(client, k) for k in keys]
            values = await read_data_values(client, nodes, batch)
            self.session.read_calls += len(chunks(nodes, batch))
            self._up(backoff)
            now = datetime.now(UTC)
            changes = [change_of(k, v, now) for k, v in zip(keys, values, strict=True)]
            await self._deliver(sink, [(mapper, c) for c in changes])
            due = max(due + self.config.read_interval_s, loop.time())
            await wait_any((self._ready, self._lost, self._stopping), due - loop.time())
        if self._lost.is_set():
            raise SessionLostError(self._metrics.last_error or "connection lost")

    async def _wait_down(self, sink: Sink, delay: float) -> None:
        """Wait before reconnecting, marking samples uncertain, then bad, as they age."""
        loop = asyncio.get_running_loop()
        until = loop.time() + delay
        while not self._stopping.is_set():
            await self._mark_stale(sink)
            left = until - loop.time()
            if left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, self._interval_s())):
                    await self._stopping.wait()

    def _interval_s(self) -> float:
        if self.config.mode == "read":
            return self.config.read_interval_s
        return self.config.publishing_interval_ms / 1000

    async def _mark_stale(self, sink: Sink) -> None:
        if self._down_since is None:
            return
        down_for = asyncio.get_running_loop().time() - self._down_since
        intervals = down_for / self._interval_s()
        if intervals >= self.config.bad_after_intervals:
            quality = Quality.BAD
        elif intervals >= self.config.stale_after_intervals:
            quality = Quality.UNCERTAIN
        else:
            return
        records = self.mapper.stale(self.mapper.signals, quality, datetime.now(UTC))
        if records:
            with contextlib.suppress(Exception):
                await self._submit(sink, records, [])

    async def stop(self) -> None:
        """Finish the current batch, then disconnect."""
        self._stopping.set()

    async def probe(self) -> ProbeResult:
        """Connect once, read every configured node, and report what answered."""
        return await probe(self.config)

    def diagnostics(self) -> dict[str, Any]:
        """State, counters, configuration and session, with secrets redacted."""
        details = session_details(self.session)
        return diagnostics(self.config, self._metrics, self._link.state, details)
