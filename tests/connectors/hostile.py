"""Shared pieces of the hostile-input fuzz suites: reason codes, hostile values, a ledger.

Each suite feeds one hostile input, then one good input, through a connector's decoding
and the real ingest pipeline into SQLite, and checks with ``Ledger`` that the hostile
input left dead letters with known reason codes and that the good one was stored.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pabrik.model.records import DeadLetter
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore

T = TypeVar("T")

# Every reason code decoding and validation give (model/validation.py and the connectors).
KNOWN_REASONS = frozenset(
    {
        "bad_counter",
        "bad_timestamp",
        "clock_skew",
        "count_too_large",
        "decode_error",
        "malformed_json",
        "missing_field",
        "naive_timestamp",
        "negative_count",
        "node_rejected",
        "not_finite",
        "out_of_range",
        "payload_too_large",
        "reason_state_mismatch",
        "too_old",
        "unknown_machine",
        "unknown_node",
        "unknown_product",
        "unknown_reason",
        "unknown_signal",
        "unknown_state",
        "unmapped_state",
        "validation_error",
        "wrong_type",
    }
)


def deep_list(depth: int) -> list[object]:
    """A list nested ``depth`` deep: repr, str and json give up on it."""
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    return nested


# Built once: costly to make per case, and never handed to Hypothesis, which would print them.
DEEP = [deep_list(d) for d in (100, 1001, 100_000)]
HUGE: list[object] = ["x" * 200_000, b"\xff" * 100_000, 10**5000, -(10**5000)]
ABSURD_FLOATS = [
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    -1e308,
    1e15 * 1.0001,
    5e-324,
    -0.0,
]
ABSURD_INTS = [2**53 + 1, 2**63 - 1, -(2**63), 2**64, -(2**70)]
ODD_TEXTS = ["\ud800", "NaN", "1e999", "\x00", "٣", "²", "\u202eRUN", "running", ""]


class Choices:
    """Reads choices from one draw of Hypothesis bytes, zeros once they run out.

    One ``st.binary`` draw per case costs a fraction of a tree of strategies, which would
    dominate a 10,000-case suite; Hypothesis still shrinks the bytes, so a failure is small.
    """

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        part = self.data[self.at : self.at + n].ljust(n, b"\0")
        self.at += n
        return part

    def byte(self) -> int:
        return self.take(1)[0]

    def pick(self, items: Sequence[T]) -> T:
        return items[self.byte() % len(items)]

    def double(self) -> float:
        """Any 64-bit float: NaN, infinities, subnormals and all."""
        value: float = struct.unpack("<d", self.take(8))[0]
        return value

    def integer(self) -> int:
        return int.from_bytes(self.take(self.byte() % 12), signed=True)

    def text(self) -> str:
        return self.take(self.byte() % 12).decode("utf-8", "replace")

    def number(self) -> object:
        """A hostile number: absurd floats and ints, any double, any int up to 96 bits."""
        how = self.byte() % 4
        if how == 0:
            return self.pick(ABSURD_FLOATS)
        if how == 1:
            return self.pick(ABSURD_INTS)
        return self.double() if how == 2 else self.integer()


@dataclass(slots=True)
class Ledger:
    """What the store and the pipeline hold before an input, to see what it added."""

    store: SqliteStore
    ingestor: Ingestor
    rejected: int = 0
    handled: int = 0
    codes: set[str] = field(default_factory=set)

    def mark(self) -> None:
        """Remember the counters before the next input."""
        m = self.ingestor.metrics
        self.rejected, self.handled = m.rejected, m.accepted + m.duplicates + m.rejected

    def letters(self) -> list[DeadLetter]:
        """The dead letters stored since ``mark``; each has a known reason code."""
        new = self.ingestor.metrics.rejected - self.rejected
        found = self.store.dead_letters(new, 0) if new else []
        assert len(found) == new, "a rejection never reached the dead-letter store"
        unknown = {d.reason_code for d in found} - KNOWN_REASONS
        assert not unknown, f"unknown reason codes {unknown}"
        self.codes |= {d.reason_code for d in found}
        return found

    def outcomes(self) -> int:
        """Records stored (or already there) and inputs dead-lettered since ``mark``."""
        m = self.ingestor.metrics
        return m.accepted + m.duplicates + m.rejected - self.handled
