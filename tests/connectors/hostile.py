"""Shared pieces of the hostile-input fuzz suites: reason codes, hostile values, a ledger.

Each suite feeds one hostile input, then one good input, through a connector's decoding
and the real ingest pipeline into SQLite, and checks with ``Ledger`` that the hostile
input left dead letters with known reason codes and that the good one was stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from pabrik.model.records import DeadLetter
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore

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


def _deep(depth: int) -> list[object]:
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    return nested


# Built once, and drawn through ``map`` so Hypothesis never tries to print them.
_DEEP = {d: _deep(d) for d in (100, 1001, 100_000)}
_HUGE = {"text": "x" * 200_000, "bytes": b"\xff" * 100_000, "int": 10**5000, "-int": -(10**5000)}


def _deep_of(depth: int) -> list[object]:
    return _DEEP[depth]


def _huge_of(name: str) -> object:
    return _HUGE[name]


deep = st.sampled_from(sorted(_DEEP)).map(_deep_of)
huge = st.sampled_from(sorted(_HUGE)).map(_huge_of)
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
hostile_text = st.text(max_size=20) | st.sampled_from(
    ["\ud800", "NaN", "1e999", "\x00", "٣", "²", "\u202eRUN", "running"]
)
hostile_numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**53 + 1, 2**63 - 1, -(2**63), 2**64]),
    st.floats(),
    st.sampled_from(ABSURD_FLOATS),
)


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
