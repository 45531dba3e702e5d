"""Assessment models as typed data: pillars, fields, questions, options and levels."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

KPI_AREAS = ("productivity", "quality", "delivery", "energy", "safety")


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A text in Indonesian and English, and optionally Korean."""

    id: str
    en: str
    ko: str = ""

    def get(self, locale: str) -> str:
        """The text in ``locale``; Korean falls back to English, English to Indonesian."""
        if locale == "ko" and self.ko:
            return self.ko
        return self.en if locale in ("en", "ko") and self.en else self.id


@dataclass(frozen=True, slots=True)
class Level:
    """One step of a level scale with its label."""

    value: int
    label: Bilingual
    description: Bilingual
    min_points: int = 0


class QuestionKind(StrEnum):
    """How many options a question takes."""

    SINGLE = "single"
    MULTI = "multi"


@dataclass(frozen=True, slots=True)
class Option:
    """An answer option and the score it gives."""

    id: str
    score: int
    label: Bilingual
    help: Bilingual | None = None
    none: bool = False


@dataclass(frozen=True, slots=True)
class EvidenceRule:
    """Which plant observation proposes an answer: ascending (threshold, option id) bands."""

    observe: str
    bands: tuple[tuple[float, str], ...]

    def option_for(self, value: float) -> str:
        """The option of the highest band whose threshold ``value`` reaches."""
        chosen = self.bands[0][1]
        for threshold, option_id in self.bands:
            if value >= threshold:
                chosen = option_id
        return chosen


@dataclass(frozen=True, slots=True)
class Question:
    """A question about one field."""

    id: str
    field_id: str
    kind: QuestionKind
    text: Bilingual
    help: Bilingual | None
    options: tuple[Option, ...]
    required: bool = True
    evidence: EvidenceRule | None = None
    system_areas: tuple[str, ...] = ()

    def option(self, option_id: str) -> Option | None:
        """The option with this id."""
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def none_option(self) -> Option | None:
        """The "none of these" option of a multi-select question."""
        return next((o for o in self.options if o.none), None)


@dataclass(frozen=True, slots=True)
class Impact:
    """How strongly raising a field moves each KPI area (0 none to 3 strong)."""

    productivity: int = 0
    quality: int = 0
    delivery: int = 0
    energy: int = 0
    safety: int = 0

    def get(self, area: str) -> int:
        """The impact on one KPI area."""
        return int(getattr(self, area))


@dataclass(frozen=True, slots=True)
class Field:
    """A field (bidang) of a pillar."""

    id: str
    pillar_id: str
    name: Bilingual
    impact: Impact
    effort: int
    crosswalk: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pillar:
    """A pillar (pilar) with its weight and fields."""

    id: str
    name: Bilingual
    weight: Fraction
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class WeightNote:
    """Whether the pillar weights are official, and where they come from."""

    official: bool
    source: str
    note: Bilingual


@dataclass(frozen=True, slots=True)
class PointsScheme:
    """A points total (Korea's 1,000) and capability levels by point cut-offs."""

    total: int
    official: bool
    note: Bilingual
    capability_levels: tuple[Level, ...]

    def capability(self, points: Fraction) -> Level:
        """The capability level whose cut-off ``points`` reaches."""
        chosen = self.capability_levels[0]
        for level in self.capability_levels:
            if points >= level.min_points:
                chosen = level
        return chosen


@dataclass(frozen=True, slots=True)
class SystemArea:
    """An area that gets a built-system level (Korean profile)."""

    id: str
    name: Bilingual


@dataclass(frozen=True, slots=True)
class AssessmentModel:
    """A versioned assessment model, loaded from a data file."""

    id: str
    version: int
    name: Bilingual
    description: Bilingual
    scale_max: int
    levels: tuple[Level, ...]
    pillars: tuple[Pillar, ...]
    questions: tuple[Question, ...]
    weights: WeightNote
    points: PointsScheme | None = None
    system_areas: tuple[SystemArea, ...] = ()
    fingerprint: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        """``id@version``, the stamp put on every result."""
        return f"{self.id}@{self.version}"

    def fields(self) -> list[Field]:
        """Every field, in pillar order."""
        return [f for p in self.pillars for f in p.fields]

    def field(self, field_id: str) -> Field | None:
        """The field with this id."""
        return next((f for f in self.fields() if f.id == field_id), None)

    def pillar(self, pillar_id: str) -> Pillar | None:
        """The pillar with this id."""
        return next((p for p in self.pillars if p.id == pillar_id), None)

    def question(self, question_id: str) -> Question | None:
        """The question with this id."""
        return next((q for q in self.questions if q.id == question_id), None)

    def questions_of(self, field_id: str) -> list[Question]:
        """The questions about one field."""
        return [q for q in self.questions if q.field_id == field_id]

    def level(self, value: int) -> Level:
        """The level with this value (clamped to the scale)."""
        clamped = max(0, min(value, self.scale_max))
        return next(lv for lv in self.levels if lv.value == clamped)

    def system_area(self, area_id: str) -> SystemArea | None:
        """A built-system area by id."""
        return next((a for a in self.system_areas if a.id == area_id), None)
