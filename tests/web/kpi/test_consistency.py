"""Every surface shows the same figure for the same scope and window.

The overview, the machine page, the losses page and its CSV export, the costs page, the shift
report, /api/v1/oee, /api/v1/kpi and ``pabrik kpi oee`` are read the way their users read
them (pages by the displayed text of their ``data-figure`` elements) and compared, for every
machine, line, area and the plant, in every named window, at a morning and a night clock.
A percentage shown with one decimal agrees with an exact value that rounds to it; counts and
labels must be equal; the top loss's minutes must be equal as shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from tests.web.kpi.demo import CLOCKS, MACHINES, MORNING, SCOPES
from tests.web.kpi.figures import MISPLACED, PERCENTS, WINDOWS, Shown, agree
from tests.web.kpi.sites import Sites
from tests.web.kpi.surfaces import CUSTOM_SURFACES, NOT_YET, Custom, ask_custom

NONE = Shown("not shown", None)
# Custom windows are asked for the plant, an area, the packaging line (its own calendar: no
# night shift) and a machine on either line.
CUSTOM_SCOPES = ("plant", "pengemasan", "kemas-amdk", "imm-01", "filler-01")
# A Monday morning shift in 2030: planned time on every line, and nothing measured yet.
FUTURE_SPAN = (
    datetime.fromisoformat("2030-01-07T07:00:00+07:00"),
    datetime.fromisoformat("2030-01-07T15:00:00+07:00"),
)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("clock", list(CLOCKS))
def test_every_surface_shows_the_same_figures(
    sites: Sites, clock: str, window: str, scope: str
) -> None:
    observed = sites.observed(clock)
    report = observed.report((window, scope))
    if report:
        pytest.fail(f"{clock} clock, window {window}, scope {scope}:\n{report}", pytrace=False)


@pytest.mark.parametrize("clock", list(CLOCKS))
def test_pages_mark_their_figures_with_a_scope_and_a_window(sites: Sites, clock: str) -> None:
    observed = sites.observed(clock)
    misplaced = observed.problems.get(MISPLACED, [])
    if misplaced:
        pytest.fail("\n".join(misplaced), pytrace=False)
    # Not vacuous: an unmarked top loss reads as "none", so some machine must show one today.
    shown = [observed.figures.get(("day", m), {}).get("top-loss", {}) for m in MACHINES]
    assert any(row.get("overview", NONE).value for row in shown), (
        "the overview shows no top loss at all (data-figure=top-loss)"
    )


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("clock", list(CLOCKS))
def test_a_named_window_has_the_bounds_of_the_demo_calendar(
    sites: Sites, clock: str, window: str
) -> None:
    observed = sites.observed(clock)
    doc = observed.bounds.get((window, "plant"))
    assert doc is not None, "/api/v1/oee?scope=plant&window=... gave no answer"
    start, end = observed.clock.bounds(window)
    now = observed.clock.now
    said = {k: doc.get(k) and datetime.fromisoformat(doc[k]) for k in ("start", "end")}
    said["measured_end"] = doc.get("measured_end") and datetime.fromisoformat(doc["measured_end"])
    expected = {"start": start, "end": end, "measured_end": min(end, now)}
    assert said == expected


@pytest.mark.parametrize("surface", CUSTOM_SURFACES)
def test_a_future_window_shows_no_made_up_percentages(sites: Sites, surface: str) -> None:
    site = sites.at(MORNING.name)

    async def ask(client: httpx.AsyncClient) -> list[str]:
        wrong = []
        for scope in CUSTOM_SCOPES:
            got = await ask_custom(client, surface, scope, FUTURE_SPAN, site.where)
            wrong += _made_up(scope, got, page=surface.endswith("page"))
        return wrong

    wrong = site.run(ask)
    if wrong:
        pytest.fail(f"{surface}, 2030-01-07 07:00-15:00 WIB:\n" + "\n".join(wrong), pytrace=False)


def _made_up(scope: str, got: Custom, *, page: bool) -> list[str]:
    """What a surface makes up for a window that has not begun."""
    if got.error:
        return [f"  {scope}: {got.error}"]
    out = []
    for figure in PERCENTS:
        shown = got.figures.get(figure)
        # A page says why in words (a tooltip); the API, CSV and CLI give the reason code.
        missing = shown is not None and shown.value is None and shown.reason
        if missing and (page or shown.reason == NOT_YET):
            continue
        why = "a reason" if page else f"reason {NOT_YET!r}"
        text = shown.text if shown else "not shown"
        out.append(f"  {scope}: {figure} is {text}, not – with {why}")
    return out


@pytest.mark.parametrize("surface", CUSTOM_SURFACES)
@pytest.mark.parametrize("clock", list(CLOCKS))
def test_a_window_that_straddles_now_measures_up_to_now(
    sites: Sites, clock: str, surface: str
) -> None:
    site = sites.at(clock)
    now = site.clock.now
    straddling = (now - timedelta(hours=1), now + timedelta(hours=1))
    past = (now - timedelta(hours=1), now)

    async def ask(client: httpx.AsyncClient) -> list[str]:
        wrong = []
        for scope in CUSTOM_SCOPES:
            both = await ask_custom(client, surface, scope, straddling, site.where)
            upto = await ask_custom(client, surface, scope, past, site.where)
            wrong += _straddle_problems(scope, both, upto)
        return wrong

    wrong = site.run(ask)
    span = f"{straddling[0].isoformat()} to {straddling[1].isoformat()}, now {now.isoformat()}"
    if wrong:
        pytest.fail(f"{surface}, {span}:\n" + "\n".join(wrong), pytrace=False)


def _straddle_problems(scope: str, both: Custom, upto: Custom) -> list[str]:
    errors = [e for e in (both.error, upto.error) if e]
    if errors:
        return [f"  {scope}: {e}" for e in errors]
    out = []
    for figure in sorted(set(both.figures) | set(upto.figures)):
        a, b = both.figures.get(figure), upto.figures.get(figure)
        if a is None or b is None or not agree(a, b):
            shown = (x.text if x else "not shown" for x in (a, b))
            out.append(f"  {scope}: {figure} is {next(shown)}, but up to now {next(shown)}")
    if not both.left_out:
        out.append(f"  {scope}: does not say the part after now was left out ({both.said})")
    return out
