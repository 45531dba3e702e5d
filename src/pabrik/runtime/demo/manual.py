"""The demo's terminal line, with no connector: its past shifts typed in as SAMPLE entries.

The entries have source ``manual:operator-contoh``, so the line's OEE, losses and shift reports
come from manual data alone. Running it again adds nothing (same keys, same natural keys).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pabrik.model.site import Machine
from pabrik.model.states import StateClass
from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.terminal.entries import Entry, EntryKind, Outcome, record_entries
from pabrik.runtime.terminal.handover import write_handover

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

SAMPLE_ACTOR = "operator-contoh"
"""Who typed the sample entries: their source is ``manual:operator-contoh``."""
SAMPLE_NOTE = "contoh / sample"
COMMENTED = "# manual_lines: ["
COUNT_EVERY = timedelta(minutes=30)
OLD_STORE = "pabrik.sqlite"


@dataclass(frozen=True, slots=True)
class ManualSeed:
    """What one run typed in: entries stored and handover notes written."""

    entries: int
    notes: int


def demo_site_file(source: Path, folder: Path) -> Path:
    """The demo site file with its terminal line switched on, written beside the data."""
    text = source.read_text(encoding="utf-8")
    target = folder / "demo-plant.yaml"
    if COMMENTED not in text or (not target.exists() and (folder / OLD_STORE).exists()):
        return source  # a data folder simulated before keeps its simulated line
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace(COMMENTED, COMMENTED[2:], 1), encoding="utf-8")
    return target


def manual_machines(runtime: Runtime) -> list[Machine]:
    """Machines of the lines the simulator leaves to the terminal."""
    if runtime.simulation is None:
        return []
    lines = set(runtime.simulation.config.manual_lines)
    return [m for ln in runtime.plant.lines() if ln.id in lines for m in ln.machines]


def _jam_reason(runtime: Runtime, m: Machine) -> str | None:
    """The machine's first reason for an unplanned stop."""
    for reason_id in m.reasons:
        reason = runtime.plant.reason(reason_id)
        if reason is not None and reason.state is StateClass.UNPLANNED_STOP:
            return reason_id
    return None


def _shift_entries(runtime: Runtime, m: Machine, start: datetime, end: datetime) -> list[Entry]:
    """One shift as an operator types it: run, one jam and back, counts every half hour."""
    rng = random.Random(f"{m.id}/{start.isoformat()}")  # noqa: S311 - sample data, not secrets
    product, jam = m.products[0], _jam_reason(runtime, m)
    key = f"contoh:{m.id}:{start.isoformat()}"
    jam_at = start + timedelta(minutes=rng.randrange(60, 300))
    back_at = jam_at + timedelta(minutes=rng.randrange(8, 35))
    run, stop = StateClass.RUNNING, StateClass.UNPLANNED_STOP
    out = [Entry(f"{key}:run", m.id, start, EntryKind.STATE, run, product_id=product.id)]
    if jam is not None and back_at < end:
        out.append(Entry(f"{key}:jam", m.id, jam_at, EntryKind.STATE, stop, reason=jam))
        out.append(Entry(f"{key}:back", m.id, back_at, EntryKind.STATE, run))
    scrap = runtime.plant.scrap_reasons_for(m.id, product.id)
    per_slot = Fraction(int(COUNT_EVERY.total_seconds())) / Fraction(product.ideal_cycle_time_s)
    t, n = start + COUNT_EVERY, 0
    while t <= end:
        lost = max(timedelta(0), min(t, back_at) - max(t - COUNT_EVERY, jam_at))
        share = Fraction(1) - Fraction(lost / COUNT_EVERY).limit_denominator(1000)
        made = int(per_slot * Fraction(rng.randrange(78, 93), 100) * share)
        bad = rng.randrange(0, max(2, made // 60)) if made and scrap else 0
        why = scrap[rng.randrange(len(scrap))].id if bad else None
        at = t - timedelta(seconds=1)
        out.append(
            Entry(
                f"{key}:n{n}",
                m.id,
                at,
                EntryKind.COUNT,
                good=made - bad,
                scrap=bad,
                scrap_reason=why,
            )
        )
        t, n = t + COUNT_EVERY, n + 1
    return out


def add_sample_manual_entries(runtime: Runtime, days: float) -> ManualSeed:
    """Type in the shifts of the last ``days`` on the demo's terminal line, up to now."""
    machines = manual_machines(runtime)
    if not machines:
        return ManualSeed(0, 0)
    accounts = build_accounts(runtime)
    scope = TenantScope(accounts.site_tenant, Role.OPERATOR, SAMPLE_ACTOR)
    now = runtime.now()
    entries: list[Entry] = []
    notes = 0
    for m in machines:
        for shift in runtime.engine.shifts(m, now - timedelta(days=days), now):
            if shift.start >= now:
                continue
            entries += _shift_entries(runtime, m, shift.start, min(shift.end, now))
            if shift.end > now:
                continue  # the running shift is typed in up to now, and handed over later
            text = f"Serah terima ({SAMPLE_NOTE}): satu kali macet, sudah ditangani."
            at = shift.end - timedelta(minutes=5)
            notes += write_handover(runtime, scope, m.id, f"contoh:{shift.key}", text, at)
    stored = record_entries(runtime, scope, entries)
    return ManualSeed(sum(r.outcome is Outcome.STORED for r in stored), notes)
