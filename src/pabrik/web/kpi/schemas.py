"""Public JSON shapes of measured figures: ratios, losses, OEE and KPI reports with their period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from fractions import Fraction
from typing import Any, Protocol

from pydantic import BaseModel, Field

from pabrik.runtime.kpi import views as kviews
from pabrik.runtime.kpi.views import KpiReport
from pabrik.web.schemas import PublicModel, TextPublic


class RatioPublic(PublicModel):
    """A KPI ratio: a float for charts, the exact fraction as a string, or why it is missing."""

    value: float | None = Field(description="The ratio as a float (0.748), null when missing")
    exact: str | None = Field(description="The exact ratio as 'num/den', null when missing")
    reason: str | None = Field(description="Why the value is missing, as a code")

    @classmethod
    def of(cls, ratio: kviews.Ratio) -> RatioPublic:
        """The public form of a ratio."""
        return cls(value=_float(ratio.value), exact=_exact(ratio.value), reason=ratio.reason)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


class LossPublic(PublicModel):
    """One loss in milliseconds."""

    code: str
    kind: str
    ms: int
    label: TextPublic | None

    @classmethod
    def of(cls, view: kviews.LossView) -> LossPublic:
        """The public form of a loss."""
        return cls(code=view.code, kind=view.kind, ms=view.ms, label=TextPublic.of(view.label))


class Measured(Protocol):
    """What every measured figure says about its period and coverage."""

    @property
    def scope(self) -> str: ...  # noqa: D102

    @property
    def window(self) -> str: ...  # noqa: D102

    @property
    def start(self) -> datetime: ...  # noqa: D102

    @property
    def end(self) -> datetime: ...  # noqa: D102

    @property
    def measured_end(self) -> datetime: ...  # noqa: D102

    @property
    def future_ms(self) -> int: ...  # noqa: D102

    @property
    def planned_ms(self) -> int: ...  # noqa: D102

    @property
    def known_ms(self) -> int: ...  # noqa: D102

    @property
    def provisional(self) -> bool: ...  # noqa: D102


class MeasuredPublic(BaseModel):
    """The period a figure covers, what of it was measured, and its coverage."""

    scope: str
    window: str = Field(description="shift, day, 7d, 30d or custom")
    start: datetime
    end: datetime
    measured_end: datetime = Field(description="Only [start, measured_end) was measured")
    future_ms: int = Field(description="Milliseconds of the window after now, left out")
    planned_ms: int
    known_ms: int = Field(description="Planned busy time with a known machine state")
    provisional: bool = Field(description="Known time is below the site's coverage threshold")

    @staticmethod
    def fields_of(m: Measured) -> dict[str, Any]:
        """The period fields of a read model."""
        return {name: getattr(m, name) for name in MeasuredPublic.model_fields}


class OeePublic(MeasuredPublic, PublicModel):
    """OEE with its factors, the time elements behind them, and the period measured."""

    oee: RatioPublic
    availability: RatioPublic
    performance: RatioPublic
    quality: RatioPublic
    run_ms: int
    unknown_ms: int
    good: int
    scrap: int
    top_loss: LossPublic | None
    flags: list[str]

    @classmethod
    def of(cls, view: kviews.OeeView) -> OeePublic:
        """The public form of an OEE view."""
        return cls(
            **cls.fields_of(view),
            top_loss=None if view.top_loss is None else LossPublic.of(view.top_loss),
            oee=RatioPublic.of(view.oee),
            availability=RatioPublic.of(view.availability),
            performance=RatioPublic.of(view.performance),
            quality=RatioPublic.of(view.quality),
            run_ms=view.run_ms,
            unknown_ms=view.unknown_ms,
            good=view.good,
            scrap=view.scrap,
            flags=list(view.flags),
        )

    @classmethod
    def maybe(cls, view: kviews.OeeView | None) -> OeePublic | None:
        """The public form, or None when there is no view (no shift running)."""
        return None if view is None else cls.of(view)


class KpiValuePublic(BaseModel):
    """One KPI value with its metadata."""

    id: str
    iso: int | None
    name: str
    value: float | None
    exact: str | None
    unit: str
    formula: str
    trend: str
    missing: str | None
    flags: list[str]
    capped: float | None


class KpiReportPublic(MeasuredPublic):
    """KPIs of a scope over a window, with the elements and rules behind them."""

    machines: list[str]
    kpis: list[KpiValuePublic]
    elements: dict[str, int | str]
    rules: dict[str, int | bool | str]
    flags: list[str]
    catalogue_version: int

    @classmethod
    def of(cls, r: KpiReport, kpi_name: Callable[[str], str]) -> KpiReportPublic:
        """From the read model."""
        return cls(
            **cls.fields_of(r),
            machines=list(r.machines),
            kpis=[
                KpiValuePublic(
                    id=v.id,
                    iso=v.iso,
                    name=kpi_name(v.id),
                    value=v.number,
                    exact=v.exact,
                    unit=v.unit,
                    formula=v.formula,
                    trend=v.trend,
                    missing=v.missing,
                    flags=list(v.flags),
                    capped=None if v.capped is None else float(v.capped),
                )
                for v in r.values
            ],
            elements=r.elements,
            rules=r.rules,
            flags=list(r.flags),
            catalogue_version=r.catalogue_version,
        )
