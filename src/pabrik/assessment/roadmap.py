"""A phased roadmap from ranked gaps: practices in prerequisite order, under a budget cap."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pabrik.assessment.catalogue import Catalogue, PlantSize, Practice
from pabrik.assessment.evidence import PlantObservation
from pabrik.assessment.gaps import Gap
from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Result

PHASES = (("0-6", 0, 6), ("6-12", 6, 12), ("12-24", 12, 24))
HORIZON_MONTHS = 24
DEFAULT_PARALLEL = 3
ANSWERS = "answers"
DATA = "data"


@dataclass(frozen=True, slots=True)
class Step:
    """A scheduled practice with its owner, dates and progress KPI, inside one phase."""

    practice_id: str
    field_id: str
    gap_rank: int
    phase: str
    start_month: int
    end_month: int
    begins: date
    due: date
    owner: str
    kpi: str
    cost: tuple[int, int]
    prerequisites: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Deferred:
    """A practice left out of the plan, and why: budget, horizon or a deferred prerequisite."""

    practice_id: str
    field_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class InPlace:
    """A practice already in place, and what shows it: the answers or the plant's data."""

    practice_id: str
    basis: str
    # The model's fields whose answers reach the practice's level (basis "answers").
    fields: tuple[str, ...] = ()
    # The plant observation and its value that show the practice done (basis "data").
    observe: str = ""
    value: float = 0.0


@dataclass(frozen=True, slots=True)
class Roadmap:
    """Steps by phase, what was deferred, what is in place, and the total cost range."""

    start: date
    size: PlantSize
    budget: int | None
    steps: tuple[Step, ...]
    deferred: tuple[Deferred, ...]
    in_place: tuple[InPlace, ...]

    @property
    def cost(self) -> tuple[int, int]:
        """The low and high total cost of the scheduled steps."""
        return sum(s.cost[0] for s in self.steps), sum(s.cost[1] for s in self.steps)

    def phase(self, name: str) -> list[Step]:
        """The steps of one phase."""
        return [s for s in self.steps if s.phase == name]

    def settled(self, practice_id: str) -> InPlace | None:
        """Why a practice needs no step, when it is in place."""
        return next((p for p in self.in_place if p.practice_id == practice_id), None)

    def window(self, name: str) -> tuple[date, date]:
        """The first and last date of a phase."""
        low, high = next((lo, hi) for n, lo, hi in PHASES if n == name)
        return add_months(self.start, low), add_months(self.start, high)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def catalogue_levels(model: AssessmentModel, result: Result) -> dict[str, int]:
    """Today's level per catalogue field, via each model field's crosswalk (lowest wins)."""
    levels: dict[str, int] = {}
    for f in model.fields():
        fs = result.field(f.id)
        level = fs.level if fs else 0
        for target in f.crosswalk:
            levels[target] = min(levels.get(target, level), level)
    return levels


def _in_place(p: Practice, levels: dict[str, int]) -> bool:
    return all(levels.get(f, 0) >= p.level for f in p.fields)


def shown_by_data(p: Practice, observation: PlantObservation | None) -> bool:
    """Whether the plant's measured data shows the practice is already done."""
    if p.shown_by is None or observation is None or observation.machines == 0:
        return False
    return observation.value(p.shown_by.observe) >= p.shown_by.at_least


def fit_phase(start: int, months: int) -> int | None:
    """The earliest month from ``start`` at which a step of ``months`` fits inside one phase."""
    for _, low, high in PHASES:
        begin = max(start, low)
        if begin + months <= high:
            return begin
    return None


def practices_for(
    model: AssessmentModel, catalogue: Catalogue, gap: Gap, levels: dict[str, int]
) -> list[Practice]:
    """Practices that lift a gap's field towards its target, lowest level first."""
    f = model.field(gap.field_id)
    wanted = set(f.crosswalk) if f else {gap.field_id}
    candidates = [
        p for p in catalogue.practices if wanted & set(p.fields) and not _in_place(p, levels)
    ]
    within = [p for p in candidates if gap.current_level < p.level <= gap.target]
    if not within and candidates:
        # No practice is pitched exactly at the target: take the next rung up instead.
        lowest = min(p.level for p in candidates if p.level > gap.current_level)
        within = [p for p in candidates if p.level == lowest]
    return sorted(within, key=lambda p: (p.level, p.id))


class _Planner:
    """Mutable state of one planning run; the public entry point is ``plan_roadmap``."""

    def __init__(
        self,
        model: AssessmentModel,
        catalogue: Catalogue,
        result: Result,
        observation: PlantObservation | None,
        size: PlantSize,
        budget: int | None,
        parallel: int,
    ) -> None:
        self.model = model
        self.catalogue = catalogue
        self.result = result
        self.levels = catalogue_levels(model, result)
        self.observation = observation
        self.size = size
        self.budget = budget
        self.spent = 0
        self.lanes = [0] * max(1, parallel)
        self.ends: dict[str, int] = {}
        self.order: list[tuple[Practice, str, int, int, int]] = []
        self.deferred: dict[str, Deferred] = {}
        self.in_place: dict[str, InPlace] = {}

    def _answered(self, p: Practice) -> InPlace:
        """The model fields whose answers reach the practice's level on its catalogue fields."""
        shown = tuple(
            f.id
            for f in self.model.fields()
            if set(f.crosswalk) & set(p.fields)
            and (fs := self.result.field(f.id)) is not None
            and fs.level >= p.level
        )
        return InPlace(p.id, ANSWERS, fields=shown)

    def _settle(self, practice: Practice) -> bool:
        """Mark a practice in place when the data or the answers show it; say whether it is."""
        if shown_by_data(practice, self.observation) and self.observation is not None:
            assert practice.shown_by is not None
            observe = practice.shown_by.observe
            self.in_place[practice.id] = InPlace(
                practice.id, DATA, observe=observe, value=self.observation.value(observe)
            )
        elif _in_place(practice, self.levels):
            self.in_place[practice.id] = self._answered(practice)
        else:
            return False
        self.ends[practice.id] = 0
        return True

    def add(self, practice: Practice, field_id: str, rank: int) -> None:
        """Schedule a practice after its prerequisites, or defer it with a reason."""
        if practice.id in self.ends or practice.id in self.deferred or self._settle(practice):
            return
        for pre_id in practice.prerequisites:
            pre = self.catalogue.practice(pre_id)
            if pre is not None:
                self.add(pre, field_id, rank)
        if any(pre in self.deferred for pre in practice.prerequisites):
            self._defer(practice, field_id, "prerequisite_deferred")
            return
        cost = practice.cost_estimate(self.size)
        if self.budget is not None and self.spent + cost > self.budget:
            self._defer(practice, field_id, "budget")
            return
        ready = max((self.ends.get(pre, 0) for pre in practice.prerequisites), default=0)
        # Each lane is one team; a step never crosses a phase's end, so it waits for the next.
        options = [
            (fit_phase(max(free, ready), practice.months), i) for i, free in enumerate(self.lanes)
        ]
        fitted = [(start, i) for start, i in options if start is not None]
        if not fitted:
            self._defer(practice, field_id, "beyond_horizon")
            return
        start, lane = min(fitted)
        end = start + practice.months
        self.lanes[lane] = end
        self.ends[practice.id] = end
        self.spent += cost
        self.order.append((practice, field_id, rank, start, end))

    def _defer(self, practice: Practice, field_id: str, reason: str) -> None:
        self.deferred[practice.id] = Deferred(practice.id, field_id, reason)


def _phase(start_month: int) -> str:
    return next(name for name, low, high in PHASES if low <= start_month < high)


def plan_roadmap(
    model: AssessmentModel,
    catalogue: Catalogue,
    result: Result,
    gaps: Sequence[Gap],
    *,
    size: PlantSize,
    start: date,
    budget: int | None = None,
    parallel: int = DEFAULT_PARALLEL,
    observation: PlantObservation | None = None,
) -> Roadmap:
    """Schedule practices for the gaps in rank order, never before their prerequisites end."""
    planner = _Planner(model, catalogue, result, observation, size, budget, parallel)
    for rank, gap in enumerate(gaps, start=1):
        for practice in practices_for(model, catalogue, gap, planner.levels):
            planner.add(practice, gap.field_id, rank)
    steps = [
        Step(
            practice_id=p.id,
            field_id=field_id,
            gap_rank=rank,
            phase=_phase(begin),
            start_month=begin,
            end_month=end,
            begins=add_months(start, begin),
            due=add_months(start, end),
            owner=p.owner,
            kpi=p.kpi,
            cost=p.cost_range(size),
            prerequisites=p.prerequisites,
        )
        for p, field_id, rank, begin, end in planner.order
    ]
    steps.sort(key=lambda s: (s.start_month, s.gap_rank, s.practice_id))
    return Roadmap(
        start=start,
        size=size,
        budget=budget,
        steps=tuple(steps),
        deferred=tuple(sorted(planner.deferred.values(), key=lambda d: d.practice_id)),
        in_place=tuple(sorted(planner.in_place.values(), key=lambda p: p.practice_id)),
    )
