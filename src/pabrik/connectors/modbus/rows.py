"""A poll's good samples kept as columns, one chunk per read; a row tuple is made when read.

Making 4,000 six-item tuples per poll was a third of a poll's time (and most of its garbage
collections): the reader of the batch (the ingest check, the store) walks the rows once
anyway, so each row is built there, in one C loop, from the read's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from typing import overload

from pabrik.model.batch import SampleRow

_Columns = tuple[tuple[str, ...], tuple[str, ...], int, str, list[float]]


class PollRows(Sequence[SampleRow]):
    """Sample rows of one poll: column chunks (good samples of one read) and plain rows."""

    __slots__ = ("_chunks", "_size")

    def __init__(self) -> None:
        self._chunks: list[_Columns | list[SampleRow]] = []
        self._size = 0

    def add_columns(
        self,
        machines: tuple[str, ...],
        signals: tuple[str, ...],
        ts_ms: int,
        source: str,
        values: list[float],
    ) -> None:
        """Good samples of one instant and source: the i-th value is machines[i]/signals[i]."""
        if len(machines) != len(values) or len(signals) != len(values):
            raise ValueError("every column needs one entry per value")
        if values:
            self._chunks.append((machines, signals, ts_ms, source, values))
            self._size += len(values)

    def extend(self, rows: Iterable[SampleRow]) -> None:
        """Rows already made, kept in order after what came before."""
        made = list(rows)
        if made:
            self._chunks.append(made)
            self._size += len(made)

    def join(self, other: PollRows) -> None:
        """The rows of ``other`` after these (its chunks are shared, not copied)."""
        self._chunks.extend(other._chunks)
        self._size += other._size

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[SampleRow]:
        return chain.from_iterable(map(_rows, self._chunks))

    @overload
    def __getitem__(self, index: int) -> SampleRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[SampleRow]: ...

    def __getitem__(self, index: int | slice) -> SampleRow | list[SampleRow]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("poll rows index out of range")
        for chunk in self._chunks:
            n = len(chunk) if isinstance(chunk, list) else len(chunk[4])
            if index < n:
                if isinstance(chunk, list):
                    return chunk[index]
                machines, signals, ts_ms, source, values = chunk
                return (machines[index], signals[index], ts_ms, source, values[index], "good")
            index -= n
        raise IndexError("poll rows index out of range")  # pragma: no cover - sizes agree


def _rows(chunk: _Columns | list[SampleRow]) -> Iterable[SampleRow]:
    if isinstance(chunk, list):
        return chunk
    machines, signals, ts_ms, source, values = chunk
    good = repeat("good")
    return zip(machines, signals, repeat(ts_ms), repeat(source), values, good, strict=False)
