"""Operations: wait for the store at start-up, readiness, liveness and Prometheus metrics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pabrik.connectors.backoff import Backoff
from pabrik.model.errors import StoreUnavailableError
from pabrik.storage.store import Store

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

log = logging.getLogger(__name__)


class StoreGate:
    """Opens the store (reachable, then migrated) with retries, and remembers why not yet."""

    def __init__(
        self,
        store: Store,
        label: str,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], bool] | None = None,
    ) -> None:
        self.store = store
        self.label = label
        self.backoff = backoff or Backoff()
        self.attempts = 0
        self.reason = "not checked yet"
        self._ready = threading.Event()
        self._stop = threading.Event()
        # The sleep returns True when asked to stop; tests pass a fake one.
        self._sleep = sleep or self._stop.wait

    @property
    def ready(self) -> bool:
        """True once the store answered and its schema was brought up to date."""
        return self._ready.is_set()

    def attempt(self) -> bool:
        """One try: ping, then apply pending migrations."""
        self.attempts += 1
        try:
            self.store.ping()
            self.store.upgrade()
        except StoreUnavailableError as err:
            self.reason = f"database unreachable: {err.message}"
            return False
        self.reason = "ready"
        self._ready.set()
        return True

    def wait(self, max_wait_s: float | None = None) -> bool:
        """Retry with backoff until the store is ready, ``max_wait_s`` passes, or ``stop()``."""
        began = time.monotonic()
        while not self.attempt():
            delay = self.backoff.next_delay()
            waited = time.monotonic() - began
            if max_wait_s is not None and waited + delay > max_wait_s:
                log.error(
                    "database %s still unreachable after %.0f s: giving up", self.label, waited
                )
                return False
            log.warning(
                "database %s unreachable (attempt %d): %s; retrying in %.1f s",
                self.label,
                self.attempts,
                self.reason,
                delay,
            )
            if self._sleep(delay):
                return False
        self.backoff.reset()
        if self.attempts > 1:
            log.warning("database %s is up after %d attempts", self.label, self.attempts)
        return True

    def stop(self) -> None:
        """End a wait in progress (shutdown)."""
        self._stop.set()


def wait_or_fail(gate: StoreGate, max_wait_s: float) -> None:
    """Block until the store is ready, or raise ``StoreUnavailableError`` with the reason."""
    if not gate.wait(max_wait_s):
        raise StoreUnavailableError(
            f"{gate.label}: {gate.reason} (gave up after {gate.attempts} attempts)",
            url=gate.label,
        )


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether this process can serve: the store answers and its schema is current."""

    ready: bool
    reason: str
    latency_s: float | None = None
    schema: tuple[int, int] | None = None


def readiness(runtime: Runtime) -> Readiness:
    """Check the store now; before start-up finished, say what it waits for."""
    gate = runtime.gate
    if not gate.ready:
        return Readiness(False, f"{gate.reason} (attempt {gate.attempts})")
    try:
        latency = store_latency(runtime.store)
        applied, latest = runtime.store.schema_status()
    except StoreUnavailableError as err:
        return Readiness(False, f"database unreachable: {err.message}")
    if applied != latest:
        return Readiness(False, f"schema {applied} of {latest}: run 'pabrik db upgrade'", latency)
    return Readiness(True, "ready", latency, (applied, latest))


def store_latency(store: Store) -> float:
    """Seconds a trivial query takes, round trip."""
    began = time.perf_counter()
    store.ping()
    return time.perf_counter() - began


def liveness() -> dict[str, str]:
    """The process is alive enough to answer."""
    return {"status": "alive"}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    """Counters print whole; a float keeps every digit."""
    return str(value) if isinstance(value, int) else repr(float(value))


def _metric(name: str, kind: str, text: str, samples: list[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {_number(value)}" for labels, value in samples]
    return lines


def metrics_text(runtime: Runtime) -> str:
    """Prometheus text exposition (format 0.0.4) of ingest, dead letters and the store."""
    m = runtime.ingestor.metrics
    out: list[str] = []
    for name, text, value in (
        ("received", "Records and inputs offered to ingest.", m.received),
        ("accepted", "Records written as new rows.", m.accepted),
        ("rejected", "Inputs refused and dead-lettered.", m.rejected),
        ("duplicates", "Records already stored (replays).", m.duplicates),
        ("batches", "Batches committed.", m.batches),
    ):
        out += _metric(f"pabrik_ingest_{name}_total", "counter", text, [("", value)])
    by_code = sorted(m.rejected_by_code.items())
    out += _metric(
        "pabrik_ingest_rejected_by_code_total",
        "counter",
        "Refused inputs by reason code.",
        [(f'{{code="{_escape(code)}"}}', n) for code, n in by_code],
    )
    out += _metric(
        "pabrik_rows_written_total", "counter", "Rows this process wrote.", [("", m.accepted)]
    )
    out += _metric(
        "pabrik_ingest_pending",
        "gauge",
        "Accepted, not yet committed.",
        [("", runtime.ingestor.pending)],
    )
    out += _store_metrics(runtime)
    return "\n".join(out) + "\n"


def _store_metrics(runtime: Runtime) -> list[str]:
    """Store gauges; a store that does not answer reports up 0 and nothing else."""
    try:
        latency = store_latency(runtime.store)
        dead = runtime.store.dead_letter_count()
    except StoreUnavailableError:
        return _metric("pabrik_store_up", "gauge", "1 when the store answers.", [("", 0)])
    out = _metric("pabrik_store_up", "gauge", "1 when the store answers.", [("", 1)])
    out += _metric(
        "pabrik_store_latency_seconds", "gauge", "Round trip of a trivial query.", [("", latency)]
    )
    out += _metric("pabrik_dead_letters", "gauge", "Dead letters kept.", [("", dead)])
    return out
