"""Hand running subscriptions over to a new mapping: every data change delivered once.

The new subscriptions start before the old ones are deleted, so for a while both deliver the
same nodes. Changes are told apart by their natural key, the node and its source timestamp:
the old mapping takes what the server reported before the new subscription's first value of a
node (its cut), the new mapping takes the rest, and a key seen once is never taken again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from asyncua.common.subscription import Subscription

from pabrik.connectors.opcua.mapping import Change, Mapper
from pabrik.connectors.opcua.session import SESSION_ERRORS

MAX_WAIT_S = 30.0
"""The longest a handover waits for the old subscriptions' last changes."""


@dataclass(eq=False, slots=True)
class Generation:
    """One mapping and the subscriptions (with their pump tasks) that deliver for it."""

    mapper: Mapper
    subs: list[Subscription]
    pumps: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass(slots=True)
class _Handover:
    old: Generation
    new: Generation
    shared: frozenset[str]
    floor: dict[str, datetime]
    """The newest source time per node taken before the handover: all up to it are stored."""
    seen: set[tuple[str, datetime]]
    reached: dict[str, datetime]
    """The newest source time the old subscriptions delivered per node."""
    taken_old: dict[str, datetime]
    """The newest source time per node the old mapping took."""
    cut: dict[str, datetime] = field(default_factory=dict)
    """The source time of the new subscriptions' first value per node."""


class Gate:
    """Admits each (node, source time) once, to the mapping in force for it."""

    def __init__(self) -> None:
        self.current: Generation | None = None
        self.last: dict[str, datetime] = {}
        self._handover: _Handover | None = None
        self._moved = asyncio.Event()
        self._echoes: dict[str, datetime] = {}
        """Per node, the newest change the old mapping took that the new one may repeat."""

    def begin(self, old: Generation, new: Generation, shared: Iterable[str]) -> None:
        """Both generations deliver from now on; the old one has delivered up to ``last``."""
        floor = dict(self.last)
        self._handover = _Handover(
            old, new, frozenset(shared), floor, set(), dict(floor), dict(floor)
        )

    def admit(self, gen: Generation, change: Change) -> bool:
        """Whether this delivery of a change is the one to map and store."""
        h = self._handover
        node, ts = change.node, change.ts
        if h is None:
            if gen is not self.current:
                return False  # a late event of subscriptions already handed over
            echo = self._echoes.get(node)
            if echo is not None:
                if ts <= echo:
                    return False
                del self._echoes[node]
            self.last[node] = ts
            return True
        self._moved.set()
        floor = h.floor.get(node)
        fresh = (floor is None or ts > floor) and (node, ts) not in h.seen
        if gen is h.new:
            # Its first value is the node's value when it was created, maybe taken already.
            h.cut.setdefault(node, ts)
            take = fresh
        elif gen is h.old:
            h.reached[node] = max(ts, h.reached.get(node, ts))
            cut = h.cut.get(node)
            take = fresh and (cut is None or ts < cut)
        else:
            return False
        if take:
            h.seen.add((node, ts))
            if gen is h.old:
                h.taken_old[node] = max(ts, h.taken_old.get(node, ts))
            self.last[node] = max(ts, self.last.get(node, ts))
        return take

    def settled(self) -> bool:
        """Whether the old subscriptions delivered all they owe (up to each node's cut)."""
        h = self._handover
        if h is None:
            return True
        for node in h.shared:
            cut, reached = h.cut.get(node), h.reached.get(node)
            if cut is None or reached is None or reached < cut:
                return False
        return True

    async def settle(self, lost: asyncio.Event, seconds: float) -> None:
        """Wait until ``settled``, the session is lost, or ``seconds`` have passed."""
        loop = asyncio.get_running_loop()
        limit = loop.time() + min(seconds, MAX_WAIT_S)
        while not self.settled() and not lost.is_set() and loop.time() < limit:
            self._moved.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(0.1, limit - loop.time())):
                    await self._moved.wait()

    def end(self, current: Generation | None) -> None:
        """Only ``current`` delivers from now on."""
        h, self._handover = self._handover, None
        if current is not self.current:
            self._echoes = {}
        if h is not None and current is h.new:
            self._echoes = {n: t for n, t in h.taken_old.items() if n in h.cut and t >= h.cut[n]}
        self.current = current


async def retire(gen: Generation) -> set[int]:
    """Stop a generation's pumps and delete its subscriptions; their ids."""
    await cancel_all(gen.pumps)
    for sub in gen.subs:
        with contextlib.suppress(*SESSION_ERRORS):
            await sub.delete()
    return {int(sub.subscription_id or 0) for sub in gen.subs}


async def cancel_all(tasks: Iterable[asyncio.Task[None]]) -> None:
    """Cancel tasks and wait until each has ended."""
    ended = list(tasks)
    for task in ended:
        task.cancel()
    await asyncio.gather(*ended, return_exceptions=True)
