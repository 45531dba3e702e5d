"""Words for assessment pages and reports: names from the model and catalogue, numbers, money."""

from __future__ import annotations

from fractions import Fraction

from pabrik.assessment.catalogue import Catalogue, Practice
from pabrik.assessment.gaps import Gap, Reason
from pabrik.assessment.model import AssessmentModel, Bilingual, Question
from pabrik.assessment.roadmap import DATA, InPlace
from pabrik.assessment.scoring import Result
from pabrik.present.assess.labels import (
    ACTION_KEYS,
    BASIS_KEYS,
    COST_KEYS,
    DEFERRED_KEYS,
    EFFORT_KEYS,
    EVIDENCE_KEYS,
    ISSUE_KEYS,
    KPI_AREA_KEYS,
    OBSERVATION_KEYS,
    PHASE_KEYS,
    QUADRANT_KEYS,
    SIZE_KEYS,
    STATUS_KEYS,
    WEAKNESS_KEYS,
    YES_NO_KEYS,
    reason_text,
)
from pabrik.present.assess.labels import (
    impact_key as _impact_key,
)
from pabrik.present.formatting import Formatter
from pabrik.present.labels import coded

FAMILIES = {
    "status": STATUS_KEYS,
    "basis": BASIS_KEYS,
    "kpi_area": KPI_AREA_KEYS,
    "cost": COST_KEYS,
    "quadrant": QUADRANT_KEYS,
    "effort": EFFORT_KEYS,
    "size": SIZE_KEYS,
    "evidence": EVIDENCE_KEYS,
    "observe": OBSERVATION_KEYS,
    "deferred": DEFERRED_KEYS,
    "issue": ISSUE_KEYS,
    "action": ACTION_KEYS,
    "phase": PHASE_KEYS,
}


class AssessText:
    """Names and formatted values for one model, catalogue and locale."""

    def __init__(self, model: AssessmentModel, catalogue: Catalogue, fmt: Formatter) -> None:
        self.model = model
        self.catalogue = catalogue
        self.fmt = fmt
        self.locale = fmt.locale

    def text(self, value: Bilingual | None) -> str:
        """A bilingual text in the page's language."""
        return "" if value is None else value.get(self.locale)

    def code(self, family: str, value: str | int | None) -> str:
        """A code of a known family (status, quadrant...) in words."""
        return coded(self.fmt.translator, FAMILIES[family], None if value is None else str(value))

    def field(self, field_id: str) -> str:
        """A field's name."""
        f = self.model.field(field_id)
        return self.text(f.name) if f else field_id

    def pillar(self, pillar_id: str) -> str:
        """A pillar's name."""
        p = self.model.pillar(pillar_id)
        return self.text(p.name) if p else pillar_id

    def level(self, value: int) -> str:
        """A level's label."""
        return self.text(self.model.level(value).label)

    def capability(self, value: int | None) -> str:
        """A Korean capability level's label."""
        if value is None or self.model.points is None:
            return ""
        found = next((lv for lv in self.model.points.capability_levels if lv.value == value), None)
        return self.text(found.label) if found else str(value)

    def area(self, area_id: str) -> str:
        """A built-system area's name."""
        a = self.model.system_area(area_id)
        return self.text(a.name) if a else area_id

    def question(self, question_id: str) -> Question | None:
        """A question of the model."""
        return self.model.question(question_id)

    def option(self, question_id: str, option_id: str | None) -> str:
        """An option's label."""
        q = self.model.question(question_id)
        opt = q.option(option_id) if q and option_id else None
        return self.text(opt.label) if opt else (option_id or "")

    def options(self, question_id: str, selected: tuple[str, ...]) -> str:
        """Selected options' labels, joined."""
        return "; ".join(self.option(question_id, s) for s in selected)

    def practice(self, practice_id: str) -> Practice | None:
        """A catalogue practice."""
        return self.catalogue.practice(practice_id)

    def practice_name(self, practice_id: str) -> str:
        """A practice's name."""
        p = self.catalogue.practice(practice_id)
        return self.text(p.name) if p else practice_id

    def vocab(self, kind: str, key: str) -> str:
        """A role, topic or KPI name from the catalogue."""
        table = {
            "role": self.catalogue.roles,
            "topic": self.catalogue.topics,
            "kpi": self.catalogue.kpis,
        }[kind]
        value = table.get(key)
        return self.text(value) if value else key

    def source(self, source_id: str | None) -> str:
        """A benefit source's citation."""
        src = self.catalogue.sources.get(source_id or "")
        return src.citation if src else ""

    def num(self, value: Fraction | float | None, digits: int = 2) -> str:
        """A score with a fixed number of decimals in the locale's style."""
        return self.fmt.decimal(value, digits)

    def delta(self, value: Fraction | float | None) -> str:
        """A signed change (``+0,25``)."""
        if value is None:
            return "–"
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return sign + self.num(abs(float(value)))

    def arrow(self, value: Fraction | float | None) -> str:
        """An arrow for the direction of a change."""
        if value is None or value == 0:
            return "→"
        return "↑" if value > 0 else "↓"

    def idr(self, amount: int) -> str:
        """Rupiah in millions (juta) or billions (miliar), as people say them."""
        return self.fmt.money_compact(amount)

    def idr_range(self, pair: tuple[int, int]) -> str:
        """A cost range in rupiah."""
        return f"{self.idr(pair[0])} – {self.idr(pair[1])}"

    def reason(self, reason: Reason) -> str:
        """A prioritisation reason as a sentence, with its numbers in the locale's style."""
        if reason.code == "gap_size":
            size = self.num(float(reason.param("size")))
            return self.fmt.translator.gettext("assess.reason.gap_size") % {"size": size}
        return reason_text(self.fmt.translator, reason)

    def why(self, gap: Gap, rank: int) -> str:
        """Why a gap ranks where it does, in one sentence."""
        t = self.fmt.translator
        score = {"rank": rank, "current": self.num(gap.current), "max": self.model.scale_max}
        if gap.pinned:
            return t.gettext("assess.why.pinned") % (score | {"computed": gap.computed_rank})
        areas = [self.code("kpi_area", r.param("area")) for r in gap.reasons if r.code == "kpi"]
        return t.gettext("assess.why.computed") % (
            score
            | {
                "weakness": t.gettext(WEAKNESS_KEYS[min(int(gap.current), 3)]),
                "impact": t.gettext(_impact_key(float(gap.impact))),
                "areas": t.gettext("assess.why.and").join(areas) or "–",
                "effort": self.code("effort", gap.effort),
            }
        )

    def observed(self, observe: str, value: float) -> str:
        """A plant observation and its value: shares in percent, flags in words, days as days."""
        if observe.endswith("share"):
            shown = self.percent(value)
        elif observe == "maintenance_kpis":
            shown = self.fmt.translator.gettext(YES_NO_KEYS[0] if value else YES_NO_KEYS[1])
        else:
            shown = self.num(value, 0)
        return f"{self.code('observe', observe)}: {shown}"

    def in_place(self, item: InPlace, result: Result) -> str:
        """What shows a practice is in place: the plant's data, or the answers and their levels."""
        t = self.fmt.translator
        if item.basis == DATA:
            return t.gettext("assess.in_place.data") % {
                "facts": self.observed(item.observe, item.value)
            }
        shown = []
        for field_id in item.fields:
            fs = result.field(field_id)
            level = fs.level if fs else 0
            shown.append(f"{self.field(field_id)} {level} · {self.level(level)}")
        return t.gettext("assess.in_place.answers") % {"fields": "; ".join(shown)}

    def percent(self, value: float) -> str:
        """A share as a percentage."""
        return self.fmt.percent_text(value)
