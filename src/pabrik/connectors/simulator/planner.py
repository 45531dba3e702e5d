"""One machine's event-driven life: runs, stops, changeovers and breaks as timeline segments."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from pabrik.connectors.simulator import behaviour as bh
from pabrik.connectors.simulator.config import LineRoster, SimulatorConfig
from pabrik.connectors.simulator.schedule import Block, BlockKind, blocks
from pabrik.connectors.simulator.timeline import Segment, Timeline
from pabrik.model.site import Machine, Plant
from pabrik.model.states import StateClass

_NORMAL_EPOCH_MS = 2 * bh.HOUR_MS
Label = tuple[StateClass, str | None, str]


@dataclass(frozen=True, slots=True)
class ActiveStop:
    """A random stop this machine can suffer, resolved against the plant's reasons."""

    profile: bh.StopProfile
    state: StateClass
    reason: str | None


@dataclass(slots=True)
class Pending:
    """A stop under way; it resumes after a break or in the next shift, not after time off."""

    state: StateClass
    reason: str | None
    remaining_ms: int


def allowed_reasons(plant: Plant, machine: Machine) -> set[str]:
    """Reasons this machine may stop for: its own list, else the plant's, else the catalogue."""
    own = set(machine.reasons) or {r.id for r in plant.downtime_reasons}
    return own or {p.reason for p in bh.CATALOGUE} | {bh.BREAKDOWN, bh.PLANNED_MAINTENANCE}


def active_stops(plant: Plant, allowed: set[str], scale: float) -> list[ActiveStop]:
    """The catalogue's stops this machine may have, plus rare generic ones for other reasons."""
    stops = []
    for p in bh.CATALOGUE:
        if p.reason in allowed:
            state, reason = bh.resolve(plant, p.reason, p.state)
            stops.append(ActiveStop(_scaled(p, scale), state, reason))
    special = {p.reason for p in bh.CATALOGUE} | {bh.BREAKDOWN}
    for r in plant.downtime_reasons:
        random_kind = r.state in {StateClass.UNPLANNED_STOP, StateClass.IDLE}
        if r.id in allowed and r.id not in special and random_kind:
            stops.append(ActiveStop(_scaled(bh.GENERIC, scale), r.state, r.id))
    return stops


def _scaled(profile: bh.StopProfile, scale: float) -> bh.StopProfile:
    return replace(profile, per_running_hour=profile.per_running_hour * scale)


class MachinePlanner:
    """Extends a machine's timeline block by block; records its state changes and breakdowns."""

    def __init__(
        self,
        plant: Plant,
        machine: Machine,
        config: SimulatorConfig,
        roster: LineRoster | None,
        start: int,
    ) -> None:
        self._plant = plant
        self._machine = machine
        self._config = config
        self._rng = bh.seeded_rng(config.seed, machine.id, "events")
        traits = bh.seeded_rng(config.seed, machine.id, "traits")
        # Machines differ: some are older and stop more, some make more rejects.
        allowed = allowed_reasons(plant, machine)
        self._stops = active_stops(
            plant, allowed, config.stop_rate_scale * traits.uniform(0.9, 1.6)
        )
        self._hazard_per_ms = sum(s.profile.per_running_hour for s in self._stops) / bh.HOUR_MS
        self._base_scrap = config.scrap_rate * traits.uniform(0.6, 1.6)
        self._breaks_down = bh.BREAKDOWN in allowed
        self._maintains = bh.PLANNED_MAINTENANCE in allowed
        self._product = traits.choice(machine.products).id
        self._blocks = blocks(plant.calendar, roster, start)
        self.timeline = Timeline(start)
        self.state_changes: deque[tuple[int, Label]] = deque()
        self.breakdowns: list[int] = []
        self._last: Label | None = None
        self._pending: Pending | None = None
        self._until_breakdown = self._draw_breakdown_budget()
        self._until_changeover = self._draw_changeover_budget()
        # The spell before the first one: the first is slow with chance ``slow_share``.
        self._slow = traits.random() >= config.slow_share
        self._speed = 1.0
        self._speed_left = 0.0
        self._startup_left = 0.0

    def extend_to(self, t: int) -> None:
        """Plan until the timeline reaches ``t``; planning never depends on how far we ask."""
        while self.timeline.end < t:
            self._block(next(self._blocks))

    # --- blocks -------------------------------------------------------------------------

    def _block(self, block: Block) -> None:
        if block.kind is BlockKind.OFF:
            self._pending = None
            self._planned(block, bh.NO_SHIFT)
        elif block.kind is BlockKind.BREAK:
            self._planned(block, bh.BREAK)
        else:
            self._work(block)

    def _planned(self, block: Block, reason: str) -> None:
        state, resolved = bh.resolve(self._plant, reason, StateClass.PLANNED_STOP)
        self._append(Segment(block.start, block.end, state, resolved, self._product))

    def _work(self, block: Block) -> None:
        if block.opens_shift and self._maintains and self._pending is None:
            self._maybe_maintain(block)
        t = block.start
        while t < block.end:
            pending = self._pending
            t = self._stop(pending, t, block.end) if pending else self._run(t, block)

    def _maybe_maintain(self, block: Block) -> None:
        if self._rng.random() < self._config.planned_maintenance_chance:
            state, reason = bh.resolve(self._plant, bh.PLANNED_MAINTENANCE, StateClass.PLANNED_STOP)
            duration = bh.triangular_ms(self._rng, *bh.MAINTENANCE_MINUTES, bh.MINUTE_MS)
            self._pending = Pending(state, reason, duration)

    # --- stops --------------------------------------------------------------------------

    def _stop(self, pending: Pending, t: int, end: int) -> int:
        d = min(pending.remaining_ms, end - t)
        self._append(Segment(t, t + d, pending.state, pending.reason, self._product))
        pending.remaining_ms -= d
        if pending.remaining_ms <= 0:
            self._pending = None
        return t + d

    def _due(self, t: int) -> bool:
        """Start a stop whose running-time budget is spent; True when one started."""
        if self._until_breakdown <= 0:
            self._break_down(t)
            return True
        if self._until_changeover <= 0:
            self._change_product()
            return True
        return False

    def _break_down(self, t: int) -> None:
        self._until_breakdown = self._draw_breakdown_budget()
        # After a repair the first parts are often rejects too, though fewer than after a
        # changeover.
        self._startup_left = bh.STARTUP_MS / 2
        state, reason = bh.resolve(self._plant, bh.BREAKDOWN, StateClass.UNPLANNED_STOP)
        ms = bh.triangular_ms(self._rng, *bh.BREAKDOWN_MINUTES, bh.MINUTE_MS)
        self.breakdowns.append(t)
        self._pending = Pending(state, reason, ms)

    def _change_product(self) -> None:
        self._until_changeover = self._draw_changeover_budget()
        self._startup_left = bh.STARTUP_MS
        others = [p.id for p in self._machine.products if p.id != self._product]
        self._product = self._rng.choice(others)
        state, reason = bh.resolve(self._plant, bh.CHANGEOVER, StateClass.CHANGEOVER)
        ms = bh.triangular_ms(self._rng, *bh.CHANGEOVER_MINUTES, bh.MINUTE_MS)
        self._pending = Pending(state, reason, ms)

    def _random_stop(self) -> None:
        r = self._rng.random() * self._hazard_per_ms * bh.HOUR_MS
        chosen = self._stops[-1]
        for stop in self._stops:
            r -= stop.profile.per_running_hour
            if r < 0:
                chosen = stop
                break
        p = chosen.profile
        ms = bh.triangular_ms(self._rng, p.shortest_s, p.typical_s, p.longest_s, 1000)
        self._pending = Pending(chosen.state, chosen.reason, ms)

    # --- running ------------------------------------------------------------------------

    def _run(self, t: int, block: Block) -> int:
        if self._speed_left <= 0:
            self._new_speed_epoch()
        if self._due(t):
            return t
        wait = self._rng.expovariate(self._hazard_per_ms) if self._hazard_per_ms > 0 else math.inf
        limit = min(
            block.end - t,
            wait,
            self._until_breakdown,
            self._until_changeover,
            self._speed_left,
            self._startup_left if self._startup_left > 0 else math.inf,
        )
        d = max(1, math.ceil(limit))
        scrap = bh.STARTUP_SCRAP if self._startup_left > 0 else self._base_scrap
        self._append(Segment(t, t + d, StateClass.RUNNING, None, self._product, self._speed, scrap))
        self._consume(d)
        if limit == wait and t + d < block.end:
            self._random_stop()
        return t + d

    def _consume(self, d: int) -> None:
        self._until_breakdown -= d
        self._until_changeover -= d
        self._speed_left -= d
        self._startup_left = max(0.0, self._startup_left - d)

    def _new_speed_epoch(self) -> None:
        # Alternate normal and slow spells so slow running takes ``slow_share`` of the time.
        share = self._config.slow_share
        self._slow = not self._slow and share > 0
        if self._slow:
            self._speed = self._rng.uniform(0.6, 0.9)
            mean = _NORMAL_EPOCH_MS * share / (1 - share)
        else:
            self._speed = self._rng.uniform(0.92, 0.99)
            mean = _NORMAL_EPOCH_MS
        self._speed_left = max(1.0, self._rng.expovariate(1 / mean))

    def _draw_breakdown_budget(self) -> float:
        if not self._breaks_down:
            return math.inf
        return self._rng.expovariate(1 / (self._config.mtbf_hours * bh.HOUR_MS))

    def _draw_changeover_budget(self) -> float:
        if len(self._machine.products) < 2:
            return math.inf
        mean = self._config.changeover_every_hours * bh.HOUR_MS
        return self._rng.uniform(0.5, 1.5) * mean

    # --- output -------------------------------------------------------------------------

    def _append(self, segment: Segment) -> None:
        self.timeline.append(segment)
        if segment.label != self._last:
            self._last = segment.label
            self.state_changes.append((segment.start, segment.label))
