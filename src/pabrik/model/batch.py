"""A batch of records whose samples travel as storage rows, without an object per value.

The fast ingest path (MQTT JSON on the unified namespace) decodes each value straight into a
row; the ingest pipeline checks the rows against precomputed lookups and the stores write
them as they are. Anything that does not know rows can still read the batch as records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, TypeVar, overload

from pabrik.model.records import Record, SampleRecord, from_epoch_ms
from pabrik.model.states import Quality

SampleRow = tuple[str, str, int, str, float, str]
"""(machine_id, signal_id, ts in epoch ms, source, value, quality): the samples table's order."""


_MACHINE, _SIGNAL = itemgetter(0), itemgetter(1)
_Row = TypeVar("_Row", bound=tuple[Any, ...])


def group_by_series(rows: list[_Row]) -> None:
    """Sort sample rows in place by machine, then signal, keeping each series' rows in turn."""
    # Inserts in key order of series land on one B-tree leaf in turn instead of hundreds (issue
    # 16). Two stable one-column sorts cost a third of one on the 4-column key; a series keeps
    # the order its rows came in (time order for every feed), so a key's first row still wins.
    rows.sort(key=_SIGNAL)
    rows.sort(key=_MACHINE)


def sample_of(row: SampleRow) -> SampleRecord:
    """The record a sample row stands for."""
    machine_id, signal_id, ts_ms, source, value, quality = row
    return SampleRecord(
        source, machine_id, signal_id, from_epoch_ms(ts_ms), value, Quality(quality)
    )


Columns = tuple[tuple[str, ...], tuple[str, ...], int, str, list[float]]
"""(machines, signals, ts in epoch ms, source, values): good samples of one instant, by column."""


class PollRows(Sequence[SampleRow]):
    """Sample rows of one poll: column chunks (good samples of one read) and plain rows."""

    __slots__ = ("_chunks", "_size")

    def __init__(self) -> None:
        self._chunks: list[Columns | list[SampleRow]] = []
        self._size = 0

    @classmethod
    def of(cls, chunk: Columns | list[SampleRow]) -> PollRows:
        """The rows of one chunk."""
        made = cls()
        if isinstance(chunk, list):
            made.extend(chunk)
        else:
            made.add_columns(*chunk)
        return made

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

    def chunks(self) -> list[Columns | list[SampleRow]]:
        """The chunks in order: columns of good samples, or rows already made."""
        return self._chunks

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


def _rows(chunk: Columns | list[SampleRow]) -> Iterable[SampleRow]:
    if isinstance(chunk, list):
        return chunk
    machines, signals, ts_ms, source, values = chunk
    good = repeat("good")
    return zip(machines, signals, repeat(ts_ms), repeat(source), values, good, strict=False)


class RecordBatch(Sequence[Record]):
    """Records, then samples kept as rows; reads as one sequence of records."""

    __slots__ = ("records", "rows")

    def __init__(self, records: Sequence[Record], rows: Sequence[SampleRow]) -> None:
        self.records = records
        self.rows = rows

    def __len__(self) -> int:
        return len(self.records) + len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("record batch index out of range")
        n = len(self.records)
        return self.records[index] if index < n else sample_of(self.rows[index - n])

    def __iter__(self) -> Iterator[Record]:
        yield from self.records
        for row in self.rows:
            yield sample_of(row)
