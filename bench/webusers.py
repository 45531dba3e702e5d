"""The simulated users of ``bench.web``: pages, their refresh intervals, and a tally."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass

import httpx

from bench.soak import PASSWORD, USER
from pabrik.runtime.plant.reused_views import CHART_REFRESH_S

WARM_S = 10.0
"""Requests in the first seconds are not counted; users arrive during them."""
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Visit:
    """One page as a browser sees it: the page, what it loads at once, and what it polls."""

    label: str
    path: str | None
    loads: tuple[tuple[str, str], ...]
    polls: tuple[tuple[str, str, float], ...]


BANNER = ("alarm banner", "/partials/alarms/banner")
BANNER_POLL = (*BANNER, 30.0)


def _visits(m: str) -> list[Visit]:
    """The pages a user may open, with the refresh intervals their templates set."""
    shift = "window=shift"
    return [
        Visit(
            "overview",
            "/",
            (BANNER,),
            (("overview refresh", "/partials/overview", 5.0), BANNER_POLL),
        ),
        Visit(
            "machine page",
            f"/machines/{m}?{shift}",
            (
                BANNER,
                ("machine alarms", f"/partials/machines/{m}/alarms"),
                ("machine chart API", f"/api/v1/machines/{m}?{shift}"),
            ),
            (
                ("machine refresh", f"/partials/machines/{m}?{shift}", 5.0),
                ("machine chart API", f"/api/v1/machines/{m}?{shift}", float(CHART_REFRESH_S)),
                BANNER_POLL,
            ),
        ),
        Visit("losses", "/kpi/losses?scope=plant&window=day", (BANNER,), (BANNER_POLL,)),
        Visit("costs", "/kpi/costs", (BANNER,), (BANNER_POLL,)),
        Visit("shift report", "/kpi/shift-report", (BANNER,), (BANNER_POLL,)),
        Visit(
            "API client",
            None,
            (("plant API", "/api/v1/plant"), ("OEE API", "/api/v1/oee?scope=plant&window=day")),
            (
                ("plant API", "/api/v1/plant", 15.0),
                ("OEE API", "/api/v1/oee?scope=plant&window=day", 15.0),
            ),
        ),
    ]


async def _log_in(base: str, tally: Tally, stop: asyncio.Event) -> httpx.AsyncClient | None:
    """A logged-in session, trying again after a failure (each one counted) until stopped."""
    while not stop.is_set():
        client = httpx.AsyncClient(base_url=base, timeout=30)
        status = await _sign_in(client, tally)
        if status < 400:
            return client
        await client.aclose()
        await sleep_unless(1.0, stop)
    return None


async def _sign_in(client: httpx.AsyncClient, tally: Tally) -> int:
    """The login page, then its form posted: two requests, each timed as its own route."""
    began = time.perf_counter()
    try:
        page = await client.get("/login")
        tally.add("login page", time.perf_counter() - began, page.status_code)
        token = _TOKEN.search(page.text)
        form = {
            "username": USER,
            "password": PASSWORD,
            "csrf_token": token.group(1) if token else "",
        }
        began = time.perf_counter()
        status = (await client.post("/login", data=form)).status_code
    except httpx.HTTPError:
        status = 599
    tally.add("log in", time.perf_counter() - began, 500 if status >= 400 else status)
    return status


async def warm(base: str, machine: str) -> None:
    """Every page once, one after another: a served dashboard has been running a while."""
    tally, never = Tally(time.monotonic()), asyncio.Event()
    client = await _log_in(base, tally, never)
    assert client is not None
    began = time.monotonic()
    try:
        for visit in _visits(machine):
            for _, path in ((visit.label, visit.path), *visit.loads):
                if path is not None:
                    await client.get(path, timeout=300)
    finally:
        await client.aclose()
    print(f"web under load: pages warmed in {time.monotonic() - began:.0f} s")


async def _get(client: httpx.AsyncClient, tally: Tally, label: str, path: str) -> None:
    began = time.perf_counter()
    try:
        status = (await client.get(path)).status_code
    except httpx.HTTPError as err:
        status = 599
        tally.unanswered[type(err).__name__] += 1
    tally.add(label, time.perf_counter() - began, status)


async def _stay(
    client: httpx.AsyncClient, tally: Tally, visit: Visit, until: float, stop: asyncio.Event
) -> None:
    """Open a page, then make its refreshes at their intervals until ``until``."""
    if visit.path is not None:
        await _get(client, tally, visit.label, visit.path)
    for label, path in visit.loads:
        await _get(client, tally, label, path)
    now = time.monotonic()
    due = [(now + every, label, path, every) for label, path, every in visit.polls]
    while due and not stop.is_set():
        due.sort()
        at, label, path, every = due[0]
        if at >= until:
            return
        await sleep_unless(max(0.0, at - time.monotonic()), stop)
        if stop.is_set():
            return
        await _get(client, tally, label, path)
        due[0] = (at + every, label, path, every)
    await sleep_unless(max(0.0, until - time.monotonic()), stop)


async def sleep_unless(seconds: float, stop: asyncio.Event) -> None:
    """Sleep for ``seconds`` or until ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def user(base: str, machines: list[str], stop: asyncio.Event, tally: Tally) -> None:
    """A logged-in user who opens a page, stays on it 20-60 s, then opens another."""
    rng = random.Random()
    await sleep_unless(rng.uniform(0, WARM_S), stop)  # users arrive over the warm-up
    client = await _log_in(base, tally, stop)
    if client is None:
        return
    try:
        while not stop.is_set():
            visit = rng.choice(_visits(rng.choice(machines)))
            await _stay(client, tally, visit, time.monotonic() + rng.uniform(20, 60), stop)
    finally:
        await client.aclose()


class Tally:
    """Latencies and errors per route, after the warm-up."""

    def __init__(self, begun: float) -> None:
        self.begun = begun
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.failures: dict[tuple[str, int], int] = defaultdict(int)
        """Errors by route and status (599: no answer, e.g. a timeout or a reset)."""
        self.unanswered: dict[str, int] = defaultdict(int)
        """Requests without an answer, by the client's exception (warm-up included)."""

    def add(self, label: str, seconds: float, status: int) -> None:
        """Count one request if the warm-up is over."""
        if time.monotonic() - self.begun < WARM_S:
            return
        self.times[label].append(seconds * 1000)
        if status >= 400:
            self.errors[label] += 1
            self.failures[(label, status)] += 1
