"""What packed frames cost the readers: a day of 1 Hz polls of one 125-register read.

The same day is written twice to SQLite through ``Store.write``: as a poll (column chunks,
stored as 86,400 frames of 125 values) and, for the queried signal, as rows (86,400 rows of
samples; the other signals' rows would sit on other leaves of the clustered table, so they do
not change a one-signal read). Each reader is timed on both, best of a few repeats.

    flock /tmp/bench.lock env PYTHONPATH=. .venv/bin/python -m bench.frames
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pabrik.model.batch import PollRows, RecordBatch, SampleRow
from pabrik.model.records import to_epoch_ms
from pabrik.storage.sqlite.store import SqliteStore

WIDTH = 125
SECONDS = 86_400
PER_WRITE = 600  # polls per write: about what the connector groups while a commit runs
REPEATS = 5
T0 = datetime(2025, 1, 6, tzinfo=UTC)
MACHINES = ("m1",) * WIDTH
SIGNALS = tuple(f"r{i:03d}" for i in range(WIDTH))
QUERIED = SIGNALS[60]


def _fill(store: SqliteStore, *, framed: bool) -> float:
    """Write the day; seconds it took."""
    began = time.perf_counter()
    t0 = to_epoch_ms(T0)
    for first in range(0, SECONDS, PER_WRITE):
        if framed:
            rows = PollRows()
            for s in range(first, first + PER_WRITE):
                rows.add_columns(
                    MACHINES, SIGNALS, t0 + s * 1000, "mb", [s + i for i in range(WIDTH)]
                )
            store.write(RecordBatch([], rows))
        else:
            plain: list[SampleRow] = [
                ("m1", QUERIED, t0 + s * 1000, "mb", float(s + 60), "good")
                for s in range(first, first + PER_WRITE)
            ]
            store.write(RecordBatch([], plain))
    return time.perf_counter() - began


def _best(call: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    """Print reader times over frames and over rows."""
    with tempfile.TemporaryDirectory() as tmp:
        stores = {}
        for name, framed in (("frames", True), ("rows", False)):
            store = SqliteStore(Path(tmp) / f"{name}.sqlite", synchronous="NORMAL")
            store.upgrade()
            took = _fill(store, framed=framed)
            stores[name] = store
            print(f"  {name}: wrote the day in {took:.1f} s")
        day = (T0, T0 + timedelta(days=1))
        hour = (T0 + timedelta(hours=12), T0 + timedelta(hours=13))
        assert stores["frames"].sample_buckets("m1", QUERIED, *day, 300) == stores[
            "rows"
        ].sample_buckets("m1", QUERIED, *day, 300)
        print(
            f"one signal of a {WIDTH}-value read at 1 Hz, best of {REPEATS} (frames / rows, ratio):"
        )
        for label, call in (
            (
                "sample_buckets, a day, 300 buckets",
                lambda s: s.sample_buckets("m1", QUERIED, *day, 300),
            ),
            ("samples, a day", lambda s: s.samples("m1", QUERIED, *day)),
            (
                "sample_buckets, an hour, 300 buckets",
                lambda s: s.sample_buckets("m1", QUERIED, *hour, 300),
            ),
            ("samples, an hour", lambda s: s.samples("m1", QUERIED, *hour)),
        ):
            f = _best(lambda c=call: c(stores["frames"]))  # type: ignore[misc]
            r = _best(lambda c=call: c(stores["rows"]))  # type: ignore[misc]
            print(f"  {label:<38} {f * 1000:8.1f} ms / {r * 1000:7.1f} ms  x{f / r:.1f}")
        for store in stores.values():
            store.close()


if __name__ == "__main__":
    main()
