"""Machine and process capability indices (ISO 22400-2 Cm, Cmk, Cp, Cpk) from measurements.

Cm and Cmk use the overall sample standard deviation s. Cp and Cpk estimate the process
deviation within rational subgroups of 5 consecutive measurements: sigma = mean range /
d2 (d2 = 2.326 for n = 5), with x-double-bar the mean of the subgroup means. Trailing
values that do not fill a subgroup are left out of the Cp/Cpk estimate.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

SUBGROUP = 5
D2_SUBGROUP_5 = 2.326


@dataclass(frozen=True, slots=True)
class Capability:
    """The four indices, each None when the data cannot give it (with the reason)."""

    cm: float | None
    cmk: float | None
    cp: float | None
    cpk: float | None
    samples: int
    missing: str | None = None


def _indices(lsl: float, usl: float, centre: float, sigma: float) -> tuple[float, float]:
    return (usl - lsl) / (6 * sigma), min(usl - centre, centre - lsl) / (3 * sigma)


def capability(values: Sequence[float], lsl: float, usl: float) -> Capability:
    """Cm, Cmk, Cp and Cpk of ``values`` against the spec limits."""
    n = len(values)
    if n < 2:
        return Capability(None, None, None, None, n, "too_few_samples")
    s = statistics.stdev(values)
    cm = cmk = cp = cpk = None
    missing = None
    if s > 0:
        cm, cmk = _indices(lsl, usl, statistics.fmean(values), s)
    else:
        missing = "no_variation"
    groups = [values[i : i + SUBGROUP] for i in range(0, n - SUBGROUP + 1, SUBGROUP)]
    if groups:
        r_bar = statistics.fmean(max(g) - min(g) for g in groups)
        if r_bar > 0:
            centre = statistics.fmean(statistics.fmean(g) for g in groups)
            cp, cpk = _indices(lsl, usl, centre, r_bar / D2_SUBGROUP_5)
        else:
            missing = "no_variation"
    else:
        missing = missing or "too_few_samples"
    cm, cmk, cp, cpk = (v if v is None or math.isfinite(v) else None for v in (cm, cmk, cp, cpk))
    return Capability(cm, cmk, cp, cpk, samples=n, missing=missing)
