"""An ISO 50001-style energy baseline per production day, and a period judged against it."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from pabrik.kpi.account import sum_accounts
from pabrik.kpi.catalogue import MissingDataError
from pabrik.kpi.energy import BaselineError, enpi_of, fit_baseline
from pabrik.model.errors import InvalidRequestError
from pabrik.model.windows import production_day_window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.views import EnergyDay, EnergyReport


def energy_report(
    engine: KpiEngine, scope: str, reference: tuple[date, date], period: tuple[date, date]
) -> EnergyReport:
    """Fit E = a + b x production per production day over ``reference``, then judge ``period``."""
    machines = engine.machines(scope)
    missing = [m.id for m in machines if not m.energy_signal]
    if missing:
        raise MissingDataError(
            "energy baseline", "energy_meter", f"an energy meter on {', '.join(missing)}"
        )

    def day_points(span: tuple[date, date]) -> list[EnergyDay]:
        points = []
        day = span[0]
        while day < span[1]:
            w = production_day_window(engine.plant.calendar, day, engine.clock())
            acc = sum_accounts(engine.accounts(machines, w.start, w.end).values())
            points.append(EnergyDay(day, acc.elements.pq, Fraction(acc.extras.energy_wh, 1000)))
            day += timedelta(days=1)
        return points

    ref = day_points(reference)
    try:
        base = fit_baseline([(p.production, p.actual_kwh) for p in ref])
    except BaselineError as err:
        raise InvalidRequestError(str(err), reason="missing_data") from err
    rep = [
        EnergyDay(p.day, p.production, p.actual_kwh, base.expected(p.production))
        for p in day_points(period)
    ]
    # Expected energy is a + b x P per day, so a period expects n x a + b x its production.
    actual = sum((p.actual_kwh for p in rep), Fraction(0))
    expected = sum((p.expected_kwh or Fraction(0) for p in rep), Fraction(0))
    result = enpi_of(expected, actual)
    return EnergyReport(
        scope=scope,
        intercept_kwh=base.intercept,
        slope_kwh_per_unit=base.slope,
        r_squared=base.r_squared,
        reference=ref,
        report=rep,
        actual_kwh=actual,
        expected_kwh=expected,
        savings_kwh=result.savings_kwh,
        enpi=result.index,
    )
