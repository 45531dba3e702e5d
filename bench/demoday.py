"""One simulated demo day: the alarms it raises, its anomaly alarms, digests and notifications.

The demo plant (its simulator with spikes, drifts and long stops) runs one local day on a
moved clock, minute by minute and without waiting, after the history ``pabrik demo`` backfills
(7 days by default, so the anomaly detectors have learnt) and an hour of warm-up: ingest evaluates
the alarms, the clock ticks them, and the notification sender routes the outbox to the demo's
sample subscription (every priority, a digest past 2 alarms in 20 minutes, shift reports), as
``pabrik demo`` sets it up. Sample channels are never sent to: nothing leaves the machine.

    PYTHONPATH=. .venv/bin/python -m bench.demoday [--day 2026-03-02] [--seed 7] [--config F]
        [--history-days 7]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pabrik.present.i18n import Catalogues
from pabrik.present.notify.words import NotifyWords
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.demo import add_demo_notifications
from pabrik.runtime.notify.sender import Sender
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.notify import MessageRow

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo-plant.yaml"
WARMUP = timedelta(hours=1)


@dataclass
class MovedClock:
    """The simulated now."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Day:
    """What the day produced."""

    start: datetime
    end: datetime
    records: int
    raised: list[tuple[str, str, str, str]]
    """(definition, condition kind, priority, machine) of each announced alarm."""
    cleared: int
    messages: list[MessageRow]
    history_days: float


def simulate(
    day: date, seed: int | None, folder: Path, config: Path = DEMO, history_days: float = 7
) -> Day:
    """Run the demo plant through ``day`` (local midnight to midnight) with its sender."""
    zone = ZoneInfo(load_site(config).plant().calendar.timezone)
    start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    end = start + timedelta(days=1)
    clock = MovedClock(start - WARMUP)
    runtime = build_runtime(Settings(config=config, data_dir=folder, seed=seed), clock=clock)
    try:
        admin = NotifyAdmin(runtime.store, clock)
        add_demo_notifications(admin, "admin")
        words = NotifyWords(runtime.plant, runtime.site.alarms, Catalogues.load())
        sender = Sender(runtime.store, runtime.plant, words, clock)
        if history_days > 0:
            runtime.backfill(history_days)
        else:
            runtime.start_simulation(0)
        records = _run(runtime, sender, clock, start, end)
        found = runtime.store.alarm_transitions(TransitionFilter(start, end), limit=10**6)
        points = runtime.alarms.catalogue.points
        raised = [
            (t.definition_id, points[t.key].definition.kind, t.priority, t.machine_id)
            for t in found
            if t.occurrence and t.key in points
        ]
        cleared = sum(1 for t in found if t.event == "clear")
        messages = runtime.store.notify_messages(since=start, limit=10**6)
    finally:
        runtime.close()
    return Day(start, end, records, raised, cleared, messages, history_days)


def _run(
    runtime: Runtime, sender: Sender, clock: MovedClock, start: datetime, end: datetime
) -> int:
    """Minute by minute from the warm-up to ``end``: ingest, alarm clock, one sender pass."""
    records = 0
    while clock.now < end:
        clock.now += timedelta(minutes=1)
        written = runtime.backfill(0)
        records += written if clock.now > start else 0
        runtime.alarms.tick()
        sender.run_once()
    return records


def _counts(label: str, counter: Counter[str]) -> str:
    parts = ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1]))
    return f"  {label}: {parts or 'none'}"


def show(d: Day, took_s: float) -> None:
    """Print the day's figures."""
    print(f"demo day {d.start.isoformat()} .. {d.end.isoformat()} (simulated in {took_s:.0f} s)")
    print(f"history before it: {d.history_days:g} days")
    print(f"records written: {d.records:,}")
    print(f"alarms raised: {len(d.raised)}")
    print(_counts("by kind", Counter(kind for _, kind, _, _ in d.raised)))
    print(_counts("by priority", Counter(p for _, _, p, _ in d.raised)))
    print(_counts("by definition", Counter(defn for defn, _, _, _ in d.raised)))
    print(_counts("by definition and machine", Counter(f"{x}@{m}" for x, _, _, m in d.raised)))
    anomaly = [r for r in d.raised if r[1] == "anomaly"]
    print(f"anomaly alarms: {len(anomaly)}")
    print(_counts("by machine", Counter(m for _, _, _, m in anomaly)))
    print(f"returns to normal (clear transitions): {d.cleared}")
    mine = [m for m in d.messages if m.created_at > d.start]
    digests = [m for m in mine if m.kind == "digest"]
    print(f"notifications queued for the sample subscriber: {len(mine)}")
    print(_counts("by kind", Counter(m.kind for m in mine)))
    print(_counts("by status", Counter(m.status for m in mine)))
    gathered = sum(len(m.event_ids) for m in digests)
    print(f"digests: {len(digests)} holding {gathered} alarms")


def main() -> None:
    """Parse the options, simulate the day and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 3, 2))
    parser.add_argument("--seed", type=int, default=None, help="simulator seed (default: file's)")
    parser.add_argument("--config", type=Path, default=DEMO, help="site file (default: the demo)")
    history = "days of history backfilled before the warm-up hour, as pabrik demo does"
    parser.add_argument("--history-days", type=float, default=7.0, help=history)
    args = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pabrik-demoday-") as folder:
        day = simulate(args.day, args.seed, Path(folder), args.config, args.history_days)
    show(day, time.perf_counter() - began)


if __name__ == "__main__":
    main()
