"""A poll's rows kept as columns read exactly as the list of rows they stand for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pabrik.connectors.modbus.rows import PollRows
from pabrik.model.batch import RecordBatch, SampleRow, sample_of

values = st.lists(st.floats(allow_nan=False), max_size=5)
chunks = st.lists(st.tuples(st.booleans(), values), max_size=5)


def build(parts: list[tuple[bool, list[float]]]) -> tuple[PollRows, list[SampleRow]]:
    rows, expected = PollRows(), []
    for n, (as_columns, numbers) in enumerate(parts):
        machines = tuple(f"m{n}" for _ in numbers)
        signals = tuple(f"s{i}" for i in range(len(numbers)))
        columns = zip(machines, signals, numbers, strict=True)
        made = [(m, s, n, "mb", v, "good") for m, s, v in columns]
        if as_columns:
            rows.add_columns(machines, signals, n, "mb", list(numbers))
        else:
            rows.extend(made)
        expected.extend(made)
    return rows, expected


@given(parts=chunks)
def test_columns_and_rows_read_as_one_list_in_order(parts: list[tuple[bool, list[float]]]) -> None:
    rows, expected = build(parts)
    assert list(rows) == expected
    assert len(rows) == len(expected)
    assert [rows[i] for i in range(-len(expected), len(expected))] == expected * 2
    assert rows[1:-1] == expected[1:-1]
    assert list(RecordBatch([], rows)) == [sample_of(r) for r in expected]


@given(first=chunks, second=chunks)
def test_joined_rows_read_as_both_in_order(
    first: list[tuple[bool, list[float]]], second: list[tuple[bool, list[float]]]
) -> None:
    (a, rows_a), (b, rows_b) = build(first), build(second)
    a.join(b)
    assert list(a) == rows_a + rows_b
    assert len(a) == len(rows_a) + len(rows_b)


def test_an_index_past_the_end_and_uneven_columns_are_refused() -> None:
    rows, _ = build([(True, [1.0, 2.0])])
    with pytest.raises(IndexError):
        rows[2]
    with pytest.raises(ValueError, match="one entry per value"):
        rows.add_columns(("m",), ("a", "b"), 0, "mb", [1.0])
