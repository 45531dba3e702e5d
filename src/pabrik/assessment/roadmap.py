"""A phased roadmap from ranked gaps: practices in prerequisite order, under a budget cap."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pabrik.assessment.catalogue import Catalogue, PlantSize, Practice
from pabrik.assessment.gaps import Gap
from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Result

PHASES = (("0-6", 0, 6), ("6-12", 6, 12), ("12-24", 12, 24))
HORIZON_MONTHS = 24
DEFAULT_PARALLEL = 3


@dataclass(frozen=True, slots=True)
class Step:
    """A scheduled practice with its owner, due date and progress KPI."""

    practice_id: str
    field_id: str
    gap_rank: int
    phase: str
    start_month: int
    end_month: int
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
class Roadmap:
    """Steps by phase, what was deferred, and the total cost range."""

    start: date
    size: PlantSize
    budget: int | None
    steps: tuple[Step, ...]
    deferred: tuple[Deferred, ...]
    in_place: tuple[str, ...]

    @property
    def cost(self) -> tuple[int, int]:
        """The low and high total cost of the scheduled steps."""
        return sum(s.cost[0] for s in self.steps), sum(s.cost[1] for s in self.steps)

    def phase(self, name: str) -> list[Step]:
        """The steps that start in one phase."""
        return [s for s in self.steps if s.phase == name]


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
        catalogue: Catalogue,
        levels: dict[str, int],
        size: PlantSize,
        budget: int | None,
        parallel: int,
    ) -> None:
        self.catalogue = catalogue
        self.levels = levels
        self.size = size
        self.budget = budget
        self.spent = 0
        self.lanes = [0] * max(1, parallel)
        self.ends: dict[str, int] = {}
        self.order: list[tuple[Practice, str, int, int, int]] = []
        self.deferred: dict[str, Deferred] = {}
        self.in_place: set[str] = set()

    def add(self, practice: Practice, field_id: str, rank: int) -> None:
        """Schedule a practice after its prerequisites, or defer it with a reason."""
        if practice.id in self.ends or practice.id in self.deferred:
            return
        if _in_place(practice, self.levels):
            self.in_place.add(practice.id)
            self.ends[practice.id] = 0
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
        lane = min(range(len(self.lanes)), key=lambda i: (max(self.lanes[i], ready), i))
        start = max(self.lanes[lane], ready)
        if start >= HORIZON_MONTHS:
            self._defer(practice, field_id, "beyond_horizon")
            return
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
) -> Roadmap:
    """Schedule practices for the gaps in rank order, never before their prerequisites end."""
    levels = catalogue_levels(model, result)
    planner = _Planner(catalogue, levels, size, budget, parallel)
    for rank, gap in enumerate(gaps, start=1):
        for practice in practices_for(model, catalogue, gap, levels):
            planner.add(practice, gap.field_id, rank)
    steps = [
        Step(
            practice_id=p.id,
            field_id=field_id,
            gap_rank=rank,
            phase=_phase(begin),
            start_month=begin,
            end_month=end,
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
        in_place=tuple(sorted(planner.in_place)),
    )
