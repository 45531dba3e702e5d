"""State records cut into segments, each booked to an ISO 22400 element (see `timemodel`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pabrik.kpi import spans
from pabrik.kpi.orders import OrderSpan, cut_points, order_at
from pabrik.kpi.quantities import EnergyDelta, Period
from pabrik.kpi.rules import TimeRules
from pabrik.kpi.spans import Span
from pabrik.model.calendar import ShiftInstance
from pabrik.model.equipment import TimeElement
from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.site import Machine
from pabrik.model.states import StateClass

SETUP_ELEMENTS = frozenset({TimeElement.AUST, TimeElement.PDOT})


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one state record, in epoch ms, with the element it is booked to."""

    start: int
    end: int
    state: StateClass
    reason: str | None
    micro: bool
    element: TimeElement
    ordered: bool
    failure_start: bool
    """Whether this segment opens a failure event (a non-micro unplanned-stop run)."""


@dataclass(frozen=True, slots=True)
class Planned:
    """The planned time of a window as normal span lists."""

    pot: list[Span]
    breaks: list[Span]
    busy: list[Span]


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything about one machine that does not depend on the bucket."""

    shifts: list[ShiftInstance]
    pot_all: list[Span]
    breaks_all: list[Span]
    segments: list[Segment]
    seg_ends: list[int]
    counts: list[CountRecord]
    periods: list[Period]
    period_ends: list[int]
    energy: list[EnergyDelta]
    orders: Sequence[OrderSpan]
    order_data: bool
    startups: list[Span]
    """Start-up windows, normal, as half-open spans (their units are taken as (u, v])."""
    startup_ends: list[int]


def labels_of(
    records: Sequence[StateRecord], stamps: Sequence[int], debounce_ms: int
) -> list[tuple[StateClass, str | None]]:
    """Each record's (state, reason) after one-step debouncing of flickers."""
    raw = [(r.state, r.reason) for r in records]
    if debounce_ms <= 0:
        return raw
    out = list(raw)
    for i in range(1, len(records) - 1):
        if stamps[i + 1] - stamps[i] < debounce_ms:
            out[i] = raw[i - 1]
    return out


def segments_of(
    records: Sequence[StateRecord],
    stamps: Sequence[int],
    labels: Sequence[tuple[StateClass, str | None]],
    start: int,
    end: int,
    machine: Machine,
    rules: TimeRules,
    orders: Sequence[OrderSpan],
) -> Iterator[Segment]:
    """Contiguous state segments that tile [start, end), unknown where nothing is known."""
    micro, opens = runs_of(labels, stamps, rules.micro_stop_ms)
    first = stamps[0] if stamps else end
    if start < first:
        yield Segment(
            start,
            min(first, end),
            StateClass.UNKNOWN,
            None,
            micro=False,
            element=TimeElement.UNKNOWN,
            ordered=False,
            failure_start=False,
        )
    for i, rec in enumerate(records):
        seg_end = stamps[i + 1] if i + 1 < len(records) else end
        s, e = max(stamps[i], start), min(seg_end, end)
        if s >= e:
            continue
        state, reason = labels[i]
        element = machine.time_model.element(state, reason)
        cuts = [s, *cut_points(orders, s, e), e]
        for a, b in itertools.pairwise(cuts):
            ordered = rec.order_id is not None or order_at(orders, a) is not None
            yield Segment(
                a,
                b,
                state,
                reason,
                micro=micro[i],
                element=read_element(element, ordered, rules),
                ordered=ordered,
                failure_start=opens[i] and a == stamps[i] and rules.corrective(state, reason),
            )


def startups_of(
    stamps: Sequence[int],
    labels: Sequence[tuple[StateClass, str | None]],
    machine: Machine,
    window_ms: int,
) -> list[Span]:
    """Start-up windows: from each change of a setup or planned stop into production."""
    if window_ms <= 0:
        return []
    booked = [machine.time_model.element(state, reason) for state, reason in labels]
    return spans.normalize(
        (stamps[i], stamps[i] + window_ms)
        for i in range(1, len(booked))
        if booked[i] is TimeElement.APT and booked[i - 1] in SETUP_ELEMENTS
    )


def read_element(element: TimeElement, ordered: bool, rules: TimeRules) -> TimeElement:
    """The OPC 40001-1 reading: not executing while an order is registered is a delay."""
    if rules.order_reading and ordered and element is TimeElement.ADOT:
        return TimeElement.ADET
    return element


def runs_of(
    labels: Sequence[tuple[StateClass, str | None]], stamps: Sequence[int], threshold: int
) -> tuple[list[bool], list[bool]]:
    """Per record: in a finished unplanned-stop run shorter than threshold; opens a failure."""
    n = len(labels)
    micro, opens = [False] * n, [False] * n
    i = 0
    while i < n:
        if labels[i][0] is not StateClass.UNPLANNED_STOP:
            i += 1
            continue
        j = i
        while j + 1 < n and labels[j + 1][0] is StateClass.UNPLANNED_STOP:
            j += 1
        # A run without a later record is still going on: its length is not known yet.
        finished = j + 1 < n
        if finished and stamps[j + 1] - stamps[i] < threshold:
            micro[i : j + 1] = [True] * (j + 1 - i)
        else:
            opens[i] = True
        i = j + 1
    return micro, opens
