"""The handover gate: two subscriptions deliver the same node, each change is taken once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pabrik.connectors.opcua.handover import Gate, Generation
from pabrik.connectors.opcua.mapping import Change, Mapper

T0 = datetime(2026, 12, 4, tzinfo=UTC)
NODE = "ns=2;s=press-1.temperature"


def change(i: int) -> Change:
    return Change(NODE, float(i), 0, T0 + timedelta(seconds=i))


def generation() -> Generation:
    return Generation(Mapper("hall", [], {}), [])


@st.composite
def handovers(draw: st.DrawFn) -> tuple[int, int, int, list[bool]]:
    """Changes 0..n-1; the new subscription is created after change c-1 (its first value);
    the old one delivered p changes before the handover began; then any interleaving."""
    n = draw(st.integers(1, 25))
    c = draw(st.integers(1, n))
    p = draw(st.integers(0, n))
    order = draw(st.lists(st.booleans(), min_size=2 * n + 2, max_size=2 * n + 2))
    return n, c, p, order


@given(handovers())
def test_every_change_is_taken_once_and_the_old_mapping_takes_a_prefix(
    case: tuple[int, int, int, list[bool]],
) -> None:
    n, c, p, order = case
    old, new = generation(), generation()
    gate = Gate()
    gate.end(old)
    taken: dict[int, str] = {}
    old_stream, new_stream = list(range(n)), list(range(c - 1, n))
    for i in old_stream[:p]:
        assert gate.admit(old, change(i))
        taken[i] = "old"
    old_stream = old_stream[p:]
    gate.begin(old, new, [NODE])
    for pick_old in order:
        if gate.settled() and gate.current is old:
            gate.end(new)
            old_stream = []  # the old subscription is deleted
        source, gen, who = (
            (old_stream, old, "old") if pick_old and old_stream else (new_stream, new, "new")
        )
        if not source:
            continue
        i = source.pop(0)
        if gate.admit(gen, change(i)):
            assert i not in taken, f"change {i} taken twice"
            taken[i] = who
    while old_stream and not gate.settled():
        # A handover waits until the old subscription delivered what it owes.
        i = old_stream.pop(0)
        if gate.admit(old, change(i)):
            assert i not in taken, f"change {i} taken twice"
            taken[i] = "old"
    assert gate.settled()
    if gate.current is old:
        gate.end(new)
    for i in new_stream:
        if gate.admit(new, change(i)):
            assert i not in taken, f"change {i} taken twice"
            taken[i] = "new"
    assert sorted(taken) == list(range(n))
    olds = [i for i, who in taken.items() if who == "old"]
    news = [i for i, who in taken.items() if who == "new"]
    assert not olds or not news or max(olds) < min(news)


def test_a_late_event_of_retired_subscriptions_is_dropped() -> None:
    old, new = generation(), generation()
    gate = Gate()
    gate.end(new)
    assert not gate.admit(old, change(1))
    assert gate.admit(new, change(1))
