"""Poll one Modbus TCP device on its own schedule, so a dead slave blocks only itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, Link, Sink
from pabrik.connectors.modbus.config import ModbusDevice
from pabrik.connectors.modbus.fastpath import add_read, compile_read, decode_into
from pabrik.connectors.modbus.mapping import (
    Context,
    Interpretation,
    PointTracker,
    ReadRequest,
    carry_tracker,
    exception_reason,
    mark_bad,
    plan_device,
    read_request,
)
from pabrik.connectors.modbus.rows import PollRows
from pabrik.model.batch import RecordBatch, sample_of
from pabrik.model.records import Record, to_epoch_ms
from pabrik.model.states import StateClass

log = logging.getLogger(__name__)

STORE_TICK = timedelta(milliseconds=1)
"""The finest time step the stores keep."""

# The client method that reads each table.
_READS: dict[str, str] = {
    "holding": "read_holding_registers",
    "input": "read_input_registers",
    "coil": "read_coils",
    "discrete": "read_discrete_inputs",
}

# Records kept for a later commit when the store refuses a batch; older ones are dropped.
MAX_UNSENT = 100_000
# Values of polls waiting for a busy store before a poll waits for it instead.
MAX_WAITING = 50_000


class ReadFailedError(Exception):
    """A read that failed; ``transport`` means the connection must be rebuilt."""

    def __init__(self, reason: str, *, transport: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transport = transport


@dataclass(slots=True)
class DeviceStatus:
    """What a device's task last saw, for metrics and diagnostics."""

    polls: int = 0
    failed_reads: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class _Commit:
    """A poll handed to the sink and not yet confirmed."""

    future: Future[None]
    records: list[Record]
    rows: PollRows
    rejected: int
    began: float


class DevicePoller:
    """One device: its client, its read plan, and what it remembers between polls."""

    def __init__(
        self,
        source: str,
        device: ModbusDevice,
        machine_states: dict[str, dict[str, StateClass]],
        metrics: ConnectorMetrics,
        backoff: Backoff,
    ) -> None:
        self.source = source
        self.device = device
        self.plan = plan_device(device)
        # Each read's plain number samples decode with one struct, into rows (fastpath.py).
        self.compiled = {id(r): compile_read(r, device.points) for r in self.plan}
        self.machine_states = machine_states
        self.metrics = metrics
        self.backoff = backoff
        self.status = DeviceStatus()
        # Devices share the connector's metrics, so any device's recovery is a reconnect.
        self.link = Link(metrics)
        self.tracker = PointTracker()
        self._client: AsyncModbusTcpClient | None = None
        self._unsent: list[Record] = []
        self._inflight: _Commit | None = None
        # Commits run here, not in the loop's executor: its asyncio future woke the loop
        # through its self-pipe after every commit; a poll only needs to look at this one.
        self._committer: ThreadPoolExecutor | None = None
        # Polls decoded while the store was busy, and when the first of them began.
        self._waiting: tuple[Interpretation, float] | None = None
        self._pending: tuple[ModbusDevice, dict[str, dict[str, StateClass]]] | None = None
        self._last_poll: datetime | None = None

    def remap(self, device: ModbusDevice, machine_states: dict[str, dict[str, StateClass]]) -> None:
        """Take a new register map (same link) at the next poll, keeping the schedule."""
        # Swapped between polls, so no read is decoded with the other map's plan.
        self._pending = (device, machine_states)

    def _take_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        device, self.machine_states = pending
        # Counter bases and last states follow their register, so no unit is lost or repeated.
        self.tracker = carry_tracker(self.tracker, self.device.points, device.points)
        self.device = device
        self.plan = plan_device(device)
        self.compiled = {id(r): compile_read(r, device.points) for r in self.plan}

    async def run(self, sink: Sink, start_delay: float, stopping: asyncio.Event) -> None:
        """Poll until ``stopping`` is set, keeping the schedule even when reads fail."""
        loop = asyncio.get_running_loop()
        if await _wait(stopping, start_delay):
            return
        due = loop.time()
        try:
            while not stopping.is_set():
                extra_delay = await self._guarded_poll(sink)
                due = max(due + self.device.poll_interval_s, loop.time() + extra_delay)
                if await _wait(stopping, due - loop.time()):
                    return
        finally:
            try:
                await self.settle(sink)
            finally:
                self.close()
                committer, self._committer = self._committer, None
                if committer is not None:
                    committer.shutdown(wait=False)

    async def _guarded_poll(self, sink: Sink) -> float:
        try:
            return await self.poll_once(sink)
        except Exception as err:  # one device's bug must not stop the others
            log.exception("modbus %s/%s: poll failed", self.source, self.device.id)
            self.status.last_error = self.metrics.last_error = f"{type(err).__name__}: {err}"
            self.close()
            return self.backoff.next_delay()

    async def poll_once(self, sink: Sink) -> float:
        """Read every planned request once and commit; return any backoff delay to add."""
        began = asyncio.get_running_loop().time()
        self._take_pending()
        self.status.polls += 1
        self.metrics.extra[f"polls.{self.device.id}"] = self.status.polls
        ctx = Context(self.source, self._poll_time(), self.machine_states)
        result = Interpretation()
        delay = 0.0
        if not await self._ensure_connected():
            self._fail(self.plan, self.status.last_error or "not connected", ctx, result)
            delay = self.backoff.next_delay()
        else:
            delay = await self._read_all(ctx, result)
        await self._commit(sink, result, began)
        return delay

    def _poll_time(self) -> datetime:
        """Now, but at least one stored tick after the previous poll of this device."""
        # The store keeps milliseconds: a catch-up poll in the same one would share the
        # previous poll's natural key, and its records (counted units too) would be dropped.
        now = datetime.now(UTC)
        if self._last_poll is not None and now < self._last_poll + STORE_TICK:
            now = self._last_poll + STORE_TICK
        self._last_poll = now
        return now

    async def _read_all(self, ctx: Context, result: Interpretation) -> float:
        loop = asyncio.get_running_loop()
        # pymodbus has its own timeout; the guard only catches a stuck transport. One guard
        # per poll, moved on only when less than a read's allowance is left (a read gets at
        # least the allowance, a stuck one ends within 1.5 of it): a timer per read cost
        # about a tenth of a poll of 32 reads.
        allowance = self.device.timeout_s * 2 + 1
        n, ts_ms = 0, to_epoch_ms(ctx.ts)  # once a poll, not once a read
        try:
            async with asyncio.timeout(None) as guard:
                for n, request in enumerate(self.plan):
                    now, deadline = loop.time(), guard.when()
                    if deadline is None or deadline - now < allowance:
                        guard.reschedule(now + 1.5 * allowance)
                    try:
                        words = await self._read(request)
                    except ReadFailedError as err:
                        if err.transport:
                            return self._lost(err.reason, self.plan[n:], ctx, result)
                        self._failed_read(err.reason)
                        self._fail([request], err.reason, ctx, result)
                        continue
                    self._decode(request, words, ctx, result, ts_ms)
        except TimeoutError:
            reason = f"no answer within {self.device.timeout_s:g} s (TimeoutError)"
            return self._lost(reason, self.plan[n:], ctx, result)
        # The device answered every request (values or exceptions): the link is good.
        self.backoff.reset()
        self.link.set(ConnectionState.CONNECTED)
        return 0.0

    def _failed_read(self, reason: str) -> None:
        self.status.failed_reads += 1
        self.metrics.extra[f"failed_reads.{self.device.id}"] = self.status.failed_reads
        self.status.last_error = self.metrics.last_error = reason

    def _lost(
        self, reason: str, unread: Sequence[ReadRequest], ctx: Context, result: Interpretation
    ) -> float:
        """The link is gone: every request not yet read shares the reason; back off."""
        self._failed_read(reason)
        self._fail(unread, reason, ctx, result)
        self.close()
        return self.backoff.next_delay()

    async def _ensure_connected(self) -> bool:
        client = self._client
        if client is not None and client.connected:
            return True
        self.close()
        self.link.set(ConnectionState.CONNECTING)
        client = AsyncModbusTcpClient(
            self.device.host,
            port=self.device.port,
            timeout=self.device.timeout_s,
            retries=0,
            # pymodbus would reconnect on its own; our loop owns backoff and metrics.
            reconnect_delay=0,
            name=f"{self.source}/{self.device.id}",
        )
        self._client = client
        try:
            async with asyncio.timeout(self.device.timeout_s + 1):
                ok = await client.connect()
        except (TimeoutError, OSError, ModbusException):
            ok = False
        if not ok:
            where = f"{self.device.host}:{self.device.port}"
            self.status.last_error = self.metrics.last_error = f"cannot connect to {where}"
            self.close()
            return False
        return True

    async def _read(self, request: ReadRequest) -> list[int]:
        client = self._client
        assert client is not None
        method = getattr(client, _READS[request.table])
        try:
            response = await method(
                request.address, count=request.count, device_id=self.device.unit_id
            )
        except (TimeoutError, ModbusException, OSError) as err:
            reason = f"no answer within {self.device.timeout_s:g} s ({type(err).__name__})"
            raise ReadFailedError(reason, transport=True) from err
        if response.isError():
            code = int(getattr(response, "exception_code", 0))
            raise ReadFailedError(exception_reason(code), transport=False)
        if request.table in ("coil", "discrete"):
            return [1 if b else 0 for b in response.bits[: request.count]]
        return list(response.registers)

    def _decode(
        self,
        request: ReadRequest,
        words: Sequence[int],
        ctx: Context,
        result: Interpretation,
        ts_ms: int,
    ) -> None:
        self.metrics.received += len(request.points)
        compiled = self.compiled.get(id(request))
        if compiled is None:
            add_read(result, read_request(request, self.device.points, words, ctx, self.tracker))
        else:
            decode_into(compiled, self.device.points, words, ctx, self.tracker, result, ts_ms)

    def _fail(
        self,
        requests: Sequence[ReadRequest],
        reason: str,
        ctx: Context,
        result: Interpretation,
    ) -> None:
        for request in requests:
            for index in request.points:
                point = self.device.points[index]
                result.records.extend(mark_bad(index, point, reason, ctx, self.tracker))

    async def _commit(self, sink: Sink, result: Interpretation, began: float) -> None:
        """Hand polls to the sink in a thread, one commit at a time, in poll order."""
        # The commit overlaps the next polls' reads (sqlite3 and the socket let go of the
        # GIL). While the store is busy, polls wait together (up to MAX_WAITING values) and
        # go in its next commit: a commit per poll of 4,000 values halved the store's pace.
        if self._waiting is None:
            self._waiting = (Interpretation(), began)
        waiting = self._waiting[0]
        waiting.records.extend(result.records)
        waiting.rejections.extend(result.rejections)
        waiting.rows.join(result.rows)
        busy = self._inflight is not None and not self._inflight.future.done()
        if busy and len(waiting.records) + len(waiting.rows) < MAX_WAITING:
            return
        await self._confirm()
        self._submit(sink)

    def _submit(self, sink: Sink) -> None:
        if self._waiting is None:
            return
        (waiting, began), self._waiting = self._waiting, None
        records = self._unsent + waiting.records
        rows = waiting.rows
        if not records and not rows and not waiting.rejections:
            self.metrics.lag_s = asyncio.get_running_loop().time() - began
            return
        self._unsent = []
        batch = RecordBatch(records, rows) if rows else records
        if self._committer is None:
            self._committer = ThreadPoolExecutor(1, f"modbus-commit-{self.device.id}")
        future = self._committer.submit(sink.submit, batch, waiting.rejections)
        self._inflight = _Commit(future, records, rows, len(waiting.rejections), began)

    async def settle(self, sink: Sink) -> None:
        """Commit every poll not yet committed, and wait for it."""
        await self._confirm()
        self._submit(sink)
        await self._confirm()

    async def _confirm(self) -> None:
        """Wait for the commit in flight; a failed one is kept to send with the next."""
        commit, self._inflight = self._inflight, None
        if commit is None:
            return
        try:
            if not commit.future.done():
                await asyncio.wrap_future(commit.future)
            commit.future.result()
        except Exception as err:  # noqa: BLE001 - any store failure: keep records, retry next poll
            log.warning("modbus %s/%s: commit failed: %s", self.source, self.device.id, err)
            self.metrics.last_error = f"commit failed: {err}"
            self._unsent = [*commit.records, *map(sample_of, commit.rows), *self._unsent]
            self._unsent = self._unsent[-MAX_UNSENT:]
            return
        self.metrics.accepted += len(commit.records) + len(commit.rows)
        self.metrics.rejected += commit.rejected
        self.metrics.last_message_at = datetime.now(UTC)
        self.metrics.lag_s = asyncio.get_running_loop().time() - commit.began

    def close(self) -> None:
        """Drop the connection; the next poll reconnects."""
        client, self._client = self._client, None
        self.link.set(ConnectionState.DISCONNECTED)
        if client is not None:
            client.close()


async def _wait(stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True when asked to stop meanwhile."""
    if seconds <= 0:
        return stopping.is_set()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()
    return stopping.is_set()
