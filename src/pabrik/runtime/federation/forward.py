"""The plant's forwarder: its store is the buffer; a cursor moves after the central confirms.

Cursors (one JSON checkpoint): ``done`` holds each stream's position up to which everything was
delivered. When more than a page waits (after an outage, or at first start), the forwarder
splits at the newest batch: rows after the split go first on the live lane, the backlog up to
the split drains behind it in order and is marked historical. When the backlog is empty,
``done`` takes the live positions and the split ends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pabrik.runtime.federation.forward_client import CentralRefusedError, CentralUnavailableError
from pabrik.storage.federation import RECORD_STREAMS, START, STREAMS, ForwardSource, Position

log = logging.getLogger(__name__)
EXTRA_STREAMS = tuple(s for s in STREAMS if s not in RECORD_STREAMS)


class Poster(Protocol):
    """Sends one JSON body to the central and returns its answer."""

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        """POST; raise ``CentralUnavailableError`` or ``CentralRefusedError``."""
        ...

    def close(self) -> None:
        """Drop the connection."""
        ...


@dataclass(frozen=True, slots=True)
class ForwardOptions:
    """Page sizes and pauses of the forwarder."""

    live_rows: int = 5000
    backlog_rows: int = 20000
    backlog_min_rows: int = 2000
    backlog_page_s: float = 1.0
    """A backlog page is sized to take about this long, so live rows never wait behind it."""
    idle_s: float = 0.2
    retry_initial_s: float = 0.2
    retry_max_s: float = 2.0


@dataclass
class Cursors:
    """Delivered positions, and the live lane while a backlog drains."""

    done: dict[str, Position] = field(default_factory=dict)
    split: int | None = None
    live: dict[str, Position] = field(default_factory=dict)

    @classmethod
    def load(cls, raw: dict[str, Any]) -> Cursors:
        """From the stored JSON."""
        return cls(
            {k: tuple(v) for k, v in raw.get("done", {}).items()},
            raw.get("split"),
            {k: tuple(v) for k, v in raw.get("live", {}).items()},
        )

    def dump(self) -> dict[str, Any]:
        """As stored JSON."""
        return {
            "done": {k: list(v) for k, v in self.done.items()},
            "split": self.split,
            "live": {k: list(v) for k, v in self.live.items()},
        }

    def at(self, stream: str) -> Position:
        """Where a stream's delivered prefix ends."""
        return self.done.get(stream, START)


@dataclass
class Page:
    """Rows of several streams to send together, and where each stream will then stand."""

    rows: dict[str, list[Any]] = field(default_factory=dict)
    last: dict[str, Position] = field(default_factory=dict)
    full: bool = False

    @property
    def size(self) -> int:
        """Rows in the page."""
        return sum(len(r) for r in self.rows.values())


@dataclass
class ForwardStats:
    """What the forwarder has done in this process."""

    sent_live: int = 0
    sent_backlog: int = 0
    batches: int = 0
    failures: int = 0
    refused: bool = False


class Forwarder:
    """Moves a plant's records, dead-letter summaries and alarm transitions to its central."""

    def __init__(
        self,
        source: ForwardSource,
        poster: Poster,
        options: ForwardOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.poster = poster
        self.options = options or ForwardOptions()
        self.sleep = sleep
        self.stats = ForwardStats()
        self._backlog_rows = min(self.options.backlog_min_rows, self.options.backlog_rows)

    def _read(
        self, after: dict[str, Position], streams: tuple[str, ...], upto: int | None, limit: int
    ) -> Page:
        page = Page()
        for stream in streams:
            pos = after.get(stream, START)
            rows, last = self.source.forward_rows(stream, pos, upto, limit)
            if rows:
                page.rows[stream] = [list(r[1:]) for r in rows]
                page.last[stream] = last
                page.full = page.full or len(rows) >= limit
        return page

    def _send(self, page: Page, lane: str, after: dict[str, Position]) -> None:
        key_parts = [lane, {s: list(after.get(s, START)) for s in page.last}]
        key_parts.append({s: list(p) for s, p in page.last.items()})
        key = hashlib.sha256(json.dumps(key_parts, default=str).encode()).hexdigest()[:32]
        body = {"key": key, "lane": lane, "historical": lane == "backlog", **page.rows}
        self.poster.post("/api/v1/federation/batches", json.dumps(body).encode())
        self.stats.batches += 1
        if lane == "backlog":
            self.stats.sent_backlog += page.size
        else:
            self.stats.sent_live += page.size

    def _save(self, cursors: Cursors) -> None:
        self.source.save_forward_cursors(cursors.dump())

    def step(self) -> int:
        """One round: live rows first, then a backlog page; the rows sent."""
        cursors = Cursors.load(self.source.forward_cursors())
        o = self.options
        if cursors.split is None:
            head = self.source.forward_head()
            page = self._read(cursors.done, STREAMS, None, o.live_rows)
            if page.full:
                cursors.split = head
                cursors.live = dict.fromkeys(RECORD_STREAMS, (head,))
                self._save(cursors)
                log.info("backlog after batch %d: live data goes first", head)
                return self.step()
            if page.size:
                self._send(page, "live", cursors.done)
                cursors.done.update(page.last)
                self._save(cursors)
            return page.size
        after_live = {**cursors.live, **{s: cursors.at(s) for s in EXTRA_STREAMS}}
        live = self._read(after_live, STREAMS, None, o.live_rows)
        if live.full:  # the live lane fell behind too (another outage): split again at the head
            cursors.split = self.source.forward_head()
            cursors.live = dict.fromkeys(RECORD_STREAMS, (cursors.split,))
            self._save(cursors)
            log.info("backlog after batch %d: live data goes first", cursors.split)
            return self.step()
        if live.size:
            self._send(live, "live", after_live)
            cursors.live.update({s: p for s, p in live.last.items() if s in RECORD_STREAMS})
            cursors.done.update({s: p for s, p in live.last.items() if s in EXTRA_STREAMS})
            self._save(cursors)
        backlog = self._read(cursors.done, RECORD_STREAMS, cursors.split, self._backlog_rows)
        if backlog.size:
            began = time.monotonic()
            self._send(backlog, "backlog", cursors.done)
            self._resize(backlog.size, time.monotonic() - began)
            cursors.done.update(backlog.last)
        else:
            cursors.done.update(cursors.live)
            cursors.split, cursors.live = None, {}
            log.info("backlog drained")
        self._save(cursors)
        return live.size + backlog.size

    def _resize(self, rows: int, took_s: float) -> None:
        """The next backlog page: what the last one's pace sends in ``backlog_page_s``."""
        o = self.options
        fitting = int(rows * o.backlog_page_s / max(took_s, 1e-3))
        least = min(o.backlog_min_rows, o.backlog_rows)
        self._backlog_rows = max(least, min(o.backlog_rows, fitting))

    def run(self, stop: threading.Event) -> None:
        """Forward until ``stop`` is set, backing off while the central is away or refuses."""
        wait = self.options.retry_initial_s
        while not stop.is_set():
            try:
                sent = self.step()
            except CentralUnavailableError as err:
                self.stats.failures += 1
                log.warning("central unavailable, retry in %.1f s: %s", wait, err)
                stop.wait(wait)
                wait = min(wait * 2, self.options.retry_max_s)
                continue
            except CentralRefusedError as err:
                self.stats.refused = True
                log.error("central refused this plant: %s", err)  # noqa: TRY400
                stop.wait(self.options.retry_max_s)
                continue
            self.stats.refused = False
            wait = self.options.retry_initial_s
            if not sent:
                stop.wait(self.options.idle_s)

    def pending(self) -> int:
        """Rows not yet delivered (backlog and live)."""
        cursors = Cursors.load(self.source.forward_cursors())
        total = sum(self.source.forward_pending(s, cursors.at(s)) for s in STREAMS)
        if cursors.split is not None:
            for s in RECORD_STREAMS:  # live rows already sent lie between the split and live
                sent = self.source.forward_pending(s, (cursors.split,))
                total -= sent - self.source.forward_pending(s, cursors.live.get(s, START))
        return total
