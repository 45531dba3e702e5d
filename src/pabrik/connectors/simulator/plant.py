"""The simulated plant: deterministic state, count and sample records for every machine."""

from __future__ import annotations

import logging
from collections import deque
from datetime import UTC, datetime, timedelta

from pabrik.connectors.contract import InputRejection, decode_failure
from pabrik.connectors.simulator import behaviour as bh
from pabrik.connectors.simulator.config import LineRoster, SimulatorConfig
from pabrik.connectors.simulator.counts import CountMaker
from pabrik.connectors.simulator.events import EventSchedule
from pabrik.connectors.simulator.planner import MachinePlanner
from pabrik.connectors.simulator.sensors import SensorMaker
from pabrik.model.equipment import SignalKind
from pabrik.model.errors import ConfigError, ConfigIssue, InvalidRequestError
from pabrik.model.records import EPOCH, CountRecord, Record, SampleRecord, StateRecord
from pabrik.model.site import Machine, Plant

log = logging.getLogger(__name__)

# Records are made an hour at a time from the anchor; the chunking is fixed, so how a caller
# splits its requests can never change what is made.
_CHUNK_MS = bh.HOUR_MS
_MS = timedelta(milliseconds=1)
_COUNT, _STATE, _SAMPLE = 0, 1, 2
_EARLIEST, _LATEST = EPOCH, datetime(2200, 1, 1, tzinfo=UTC)

# (ts ms, machine index, kind rank, signal index): unique per record, so sorting is total.
Key = tuple[int, int, int, int]


def ceil_ms(t: datetime) -> int:
    """Epoch milliseconds of an aware datetime, rounded up."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t!r}: the simulator needs aware UTC datetimes")
    # Refused here, before any machine runs: near year 1 or 9999 the calendar arithmetic
    # overflows, and a machine that raises is stopped for good.
    if not _EARLIEST <= t < _LATEST:
        raise InvalidRequestError(
            f"{t.isoformat()} is outside the years {_EARLIEST.year} to {_LATEST.year - 1}"
            " the simulator covers",
            instant=t.isoformat(),
        )
    return -((EPOCH - t) // _MS)


def _at(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def _events(
    plant: Plant, machine: Machine, index: int, config: SimulatorConfig
) -> EventSchedule | None:
    """The machine's share of the plant's sensor events, when the simulator makes any."""
    if config.sensor_events_every_minutes <= 0:
        return None
    every = round(config.sensor_events_every_minutes * 60_000)
    gauges = sum(1 for s in machine.signals if s.kind is SignalKind.GAUGE)
    machines = len(plant.machines())
    return EventSchedule(config.seed, machine.id, index, machines, every, gauges)


class MachineSimulation:
    """One machine's records, made in fixed chunks and handed out up to a requested instant."""

    def __init__(
        self,
        plant: Plant,
        machine: Machine,
        index: int,
        config: SimulatorConfig,
        roster: LineRoster | None,
        start: int,
    ) -> None:
        self._machine = machine
        self._index = index
        self._source = config.id
        self._signal_ids = [s.id for s in machine.signals]
        self._lead = round(config.fault_lead_hours * bh.HOUR_MS)
        self._planner = MachinePlanner(plant, machine, config, roster, start)
        self._counts = CountMaker(
            machine,
            bh.seeded_rng(config.seed, machine.id, "counts"),
            config.count_period_s * 1000,
            start,
        )
        self._sensors = SensorMaker(
            machine,
            bh.seeded_rng(config.seed, machine.id, "sensors"),
            config.sample_period_s * 1000,
            start,
            bh.rated_power_kw(machine, config.power_kw),
            self._lead,
            _events(plant, machine, index, config),
        )
        self._made_until = start
        self._ready: deque[tuple[Key, Record]] = deque()

    @property
    def machine_id(self) -> str:
        """The simulated machine's id."""
        return self._machine.id

    def take(self, until: int) -> list[tuple[Key, Record]]:
        """Every record with ts before ``until`` not taken yet, in key order."""
        while self._made_until < until:
            self._make_chunk(self._made_until + _CHUNK_MS)
        taken = []
        while self._ready and self._ready[0][0][0] < until:
            taken.append(self._ready.popleft())
        return taken

    def _make_chunk(self, end: int) -> None:
        # Plan ahead by the fault lead so samples can show faults of breakdowns to come.
        self._planner.extend_to(end + self._lead + 1)
        chunk = [*self._states(end), *self._count_records(end), *self._samples(end)]
        chunk.sort(key=lambda item: item[0])
        self._ready.extend(chunk)
        self._made_until = end
        self._planner.timeline.forget_before(min(self._counts.since, self._sensors.since))

    def _states(self, end: int) -> list[tuple[Key, Record]]:
        changes = self._planner.state_changes
        out: list[tuple[Key, Record]] = []
        while changes and changes[0][0] < end:
            ts, (state, reason, product) = changes.popleft()
            record = StateRecord(self._source, self._machine.id, _at(ts), state, reason, product)
            out.append(((ts, self._index, _STATE, 0), record))
        return out

    def _count_records(self, end: int) -> list[tuple[Key, Record]]:
        out: list[tuple[Key, Record]] = []
        for ts, product, good, scrap in self._counts.until(self._planner.timeline, end):
            record = CountRecord(
                self._source, self._machine.id, _at(ts), good, scrap, product_id=product
            )
            out.append(((ts, self._index, _COUNT, 0), record))
        return out

    def _samples(self, end: int) -> list[tuple[Key, Record]]:
        out: list[tuple[Key, Record]] = []
        when: tuple[int, datetime] = (-1, EPOCH)
        timeline, breakdowns = self._planner.timeline, self._planner.breakdowns
        for ts, index, value in self._sensors.until(timeline, breakdowns, end):
            if when[0] != ts:
                when = (ts, _at(ts))  # one datetime per instant, shared by its samples
            signal = self._signal_ids[index]
            record = SampleRecord(self._source, self._machine.id, signal, when[1], value)
            out.append(((ts, self._index, _SAMPLE, index), record))
        return out


class SimulatedPlant:
    """Every machine of a plant, simulated from ``anchor`` on; same inputs, same records."""

    def __init__(self, plant: Plant, config: SimulatorConfig, anchor: datetime) -> None:
        _check_rosters(plant, config)
        start = ceil_ms(anchor)
        self._anchor = anchor
        self._position = anchor
        self._source = config.id
        self._failed: set[str] = set()
        self._failures: list[InputRejection] = []
        self._machines = [
            MachineSimulation(plant, m, i, config, _roster(plant, config, m), start)
            for i, m in enumerate(plant.machines())
            if not _manual(plant, config, m)
        ]

    @property
    def anchor(self) -> datetime:
        """The instant the simulation starts from."""
        return self._anchor

    @property
    def position(self) -> datetime:
        """The instant every record before which has been returned."""
        return self._position

    def advance_to(self, t: datetime) -> list[Record]:
        """Records with anchor <= ts < ``t`` not returned before, in timestamp order."""
        until = ceil_ms(t)
        if t <= self._position:
            return []
        keyed = [item for sim in self._machines for item in self._take(sim, until)]
        keyed.sort(key=lambda item: item[0])
        self._position = t
        return [record for _, record in keyed]

    def _take(self, sim: MachineSimulation, until: int) -> list[tuple[Key, Record]]:
        """One machine's records; a machine whose simulation raises stops, the others go on."""
        if sim.machine_id in self._failed:
            return []
        try:
            return sim.take(until)
        except Exception as err:  # one machine's fault must not stop the plant
            log.exception("simulator %s: machine %s failed", self._source, sim.machine_id)
            self._failed.add(sim.machine_id)
            payload = f"machine {sim.machine_id} until {_at(until).isoformat()}"
            self._failures.append(decode_failure(self._source, err, payload, {}))
            return []

    def take_failures(self) -> list[InputRejection]:
        """Machines that failed since the last call, as dead letters to keep."""
        failures, self._failures = self._failures, []
        return failures


def _manual(plant: Plant, config: SimulatorConfig, machine: Machine) -> bool:
    """Whether the machine's line is run from the operator terminal instead."""
    line = plant.line_of(machine.id)
    return line is not None and line.id in config.manual_lines


def _roster(plant: Plant, config: SimulatorConfig, machine: Machine) -> LineRoster | None:
    line = plant.line_of(machine.id)
    return config.rosters.get(line.id) if line is not None else None


def _check_rosters(plant: Plant, config: SimulatorConfig) -> None:
    lines = {ln.id for ln in plant.lines()}
    shifts = {s.id for s in plant.calendar.shifts}
    issues = []
    for line_id, roster in config.rosters.items():
        path = f"connectors.{config.id}.rosters.{line_id}"
        if line_id not in lines:
            issues.append(ConfigIssue(path, f"unknown line '{line_id}'"))
        issues.extend(
            ConfigIssue(f"{path}.shifts", f"unknown shift '{s}'")
            for s in roster.shifts or []
            if s not in shifts
        )
    issues.extend(
        ConfigIssue(f"connectors.{config.id}.manual_lines", f"unknown line '{line_id}'")
        for line_id in config.manual_lines
        if line_id not in lines
    )
    issues.extend(
        ConfigIssue(f"connectors.{config.id}.power_kw.{m}", f"unknown machine '{m}'")
        for m in config.power_kw
        if plant.machine(m) is None
    )
    if issues:
        raise ConfigError(f"simulator '{config.id}'", issues)
