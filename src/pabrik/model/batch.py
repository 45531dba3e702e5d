"""A batch of records whose samples travel as storage rows, without an object per value.

The fast ingest path (MQTT JSON on the unified namespace) decodes each value straight into a
row; the ingest pipeline checks the rows against precomputed lookups and the stores write
them as they are. Anything that does not know rows can still read the batch as records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from pabrik.model.records import Record, SampleRecord, from_epoch_ms
from pabrik.model.states import Quality

SampleRow = tuple[str, str, int, str, float, str]
"""(machine_id, signal_id, ts in epoch ms, source, value, quality): the samples table's order."""


def sample_of(row: SampleRow) -> SampleRecord:
    """The record a sample row stands for."""
    machine_id, signal_id, ts_ms, source, value, quality = row
    return SampleRecord(
        source, machine_id, signal_id, from_epoch_ms(ts_ms), value, Quality(quality)
    )


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
