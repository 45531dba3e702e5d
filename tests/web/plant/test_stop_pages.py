"""The stop-reason page: linked from the machine page, a page at a time, micro-stops grouped
under the one threshold the KPIs use (limits.micro_stop_s)."""

from __future__ import annotations

import re

import httpx
import pytest

from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime
from pabrik.runtime.plant.stops import STOPS_PER_PAGE, is_micro_stop, stops_page

pytestmark = pytest.mark.anyio
ROW = re.compile(r"<tr(?: class=\"unexplained\")?>\s*<td><time")


def _busiest(runtime: Runtime) -> str:
    return max(
        (m.id for m in runtime.plant.machines()),
        key=lambda m: stops_page(runtime, m).total + stops_page(runtime, m).micro_count,
    )


async def test_the_machine_page_links_to_its_stop_reasons(client: httpx.AsyncClient) -> None:
    page = await client.get("/machines/imm-01")
    assert 'href="/machines/imm-01/stops"' in page.text


async def test_stops_come_a_page_at_a_time_with_micro_stops_grouped(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    machine = _busiest(runtime)
    first = stops_page(runtime, machine)
    assert first.micro_count > 0, "the demo plant makes micro-stops"
    assert not any(is_micro_stop(runtime, s) for s in first.stops)
    assert len(first.stops) == min(first.total, STOPS_PER_PAGE)
    micro = stops_page(runtime, machine, micro=True)
    assert micro.total == first.micro_count
    assert all(s.state is StateClass.UNPLANNED_STOP for s in micro.stops)
    assert all((s.duration_s or 0) < runtime.plant.limits.micro_stop_s for s in micro.stops)

    html = (await client.get(f"/machines/{machine}/stops")).text
    assert "henti mikro" in html
    assert len(ROW.findall(html)) == len(first.stops)
    last = stops_page(runtime, machine, 10_000)  # past the end: the last page
    assert last.page == last.pages
    if first.pages > 1:
        assert 'rel="next"' in html
        second = await client.get(f"/machines/{machine}/stops?page=2")
        assert 'rel="prev"' in second.text
    listed = await client.get(f"/machines/{machine}/stops?micro=1&lang=en")
    assert "micro-stops (under 2 min" in listed.text


async def test_a_hostile_page_number_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/machines/imm-01/stops?page=-1")).status_code == 422
    assert (await client.get("/machines/no-such/stops")).status_code == 404
