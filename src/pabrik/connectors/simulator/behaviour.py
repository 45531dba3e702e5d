"""How simulated machines behave: stop catalogue, power draw and sensor profiles, as data."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from pabrik.model.equipment import Signal
from pabrik.model.site import Machine, Plant
from pabrik.model.states import StateClass

HOUR_MS = 3_600_000
MINUTE_MS = 60_000

# Reason ids the simulator gives special meaning; a plant that lacks one gets reason None.
BREAK = "break"
NO_SHIFT = "no_shift"
PLANNED_MAINTENANCE = "planned_maintenance"
BREAKDOWN = "breakdown"
CHANGEOVER = "changeover"


@dataclass(frozen=True, slots=True)
class StopProfile:
    """A kind of stop that strikes at random while running: how often and how long."""

    reason: str
    per_running_hour: float
    shortest_s: float
    typical_s: float
    longest_s: float
    state: StateClass = StateClass.UNPLANNED_STOP


# Frequencies and durations are what a plastics plant in steady production sees; together
# with breakdowns and changeovers they keep availability near 80 %.
CATALOGUE: tuple[StopProfile, ...] = (
    StopProfile("jam", 3.0, 10, 30, 110),  # micro-stops: a part stuck in the mould or chute
    StopProfile("jam", 0.15, 180, 300, 900),
    StopProfile("material_shortage", 0.08, 300, 900, 2700),
    StopProfile("waiting_operator", 0.1, 120, 480, 1500),
    StopProfile("quality_check", 0.1, 180, 420, 900),
    StopProfile("no_order", 0.04, 300, 900, 2400, StateClass.IDLE),
)
# Reasons the plant defines but the catalogue does not know still happen, rarely.
GENERIC = StopProfile("", 0.03, 120, 600, 1800)
BREAKDOWN_MINUTES = (20.0, 60.0, 180.0)
CHANGEOVER_MINUTES = (15.0, 30.0, 75.0)
MAINTENANCE_MINUTES = (45.0, 90.0, 150.0)
STARTUP_MS = 10 * MINUTE_MS
STARTUP_SCRAP = 0.2

# Rated power by a keyword in the machine kind; the first match wins.
POWER_BY_KIND: tuple[tuple[str, float], ...] = (
    ("injection", 45.0),
    ("blow", 60.0),
    ("extru", 70.0),
    ("fill", 12.0),
    ("cap", 12.0),
    ("label", 6.0),
    ("pack", 8.0),
    ("carton", 8.0),
)
DEFAULT_POWER_KW = 20.0


def rated_power_kw(machine: Machine, overrides: dict[str, float]) -> float:
    """The machine's rated power: configured, else guessed from its kind."""
    if machine.id in overrides:
        return overrides[machine.id]
    kind = machine.kind.lower()
    return next((kw for word, kw in POWER_BY_KIND if word in kind), DEFAULT_POWER_KW)


def power_share(state: StateClass, reason: str | None, speed: float) -> float:
    """Share of rated power drawn in a state: heaters stay on through short stops."""
    if state is StateClass.RUNNING:
        return 0.55 + 0.45 * speed
    if state is StateClass.PLANNED_STOP:
        return 0.3 if reason == BREAK else 0.06
    return 0.35


@dataclass(frozen=True, slots=True)
class SensorProfile:
    """How a gauge moves, as fractions of its low-high range."""

    running: float
    stopped: float
    noise: float
    tau_s: float
    fault: float
    default_low: float
    default_high: float


THERMAL = SensorProfile(0.55, 0.15, 0.008, 2400.0, 0.45, 25.0, 65.0)
VIBRATION = SensorProfile(0.35, 0.03, 0.04, 30.0, 0.75, 0.0, 7.1)
PRESSURE = SensorProfile(0.6, 0.3, 0.015, 120.0, 0.0, 0.0, 10.0)


def sensor_profile(signal: Signal) -> SensorProfile:
    """The profile of a gauge, chosen by what its id says it measures."""
    sid = signal.id.lower()
    if "temp" in sid:
        return THERMAL
    if "vib" in sid:
        return VIBRATION
    return PRESSURE


def seeded_rng(seed: int, machine_id: str, stream: str) -> random.Random:
    """A generator for one stream of one machine, stable across processes and platforms."""
    # Python's hash() is salted per process, so derive the seed from a real digest.
    digest = hashlib.sha256(f"{seed}\x1f{machine_id}\x1f{stream}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - simulation, not security


def resolve(plant: Plant, reason: str, default: StateClass) -> tuple[StateClass, str | None]:
    """The state class and reason id to emit: the plant's own class when it defines it."""
    known = plant.reason(reason)
    if known is None:
        return default, None
    return known.state, known.id


def triangular_ms(rng: random.Random, low: float, mode: float, high: float, unit_ms: int) -> int:
    """A duration drawn from a triangular distribution, in whole milliseconds (at least 1)."""
    return max(1, round(rng.triangular(low, high, mode) * unit_ms))
