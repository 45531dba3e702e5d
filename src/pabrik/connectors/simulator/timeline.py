"""A machine's history as contiguous segments of constant state, in epoch milliseconds."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from pabrik.model.states import StateClass


@dataclass(frozen=True, slots=True)
class Segment:
    """An interval [start, end) in which state, reason, product, speed and scrap hold."""

    start: int
    end: int
    state: StateClass
    reason: str | None
    product_id: str
    speed: float = 0.0
    scrap: float = 0.0

    @property
    def label(self) -> tuple[StateClass, str | None, str]:
        """What a state record says; speed and scrap changes are invisible to it."""
        return self.state, self.reason, self.product_id


class Timeline:
    """Segments appended in time order, looked up by instant and trimmed from the front."""

    def __init__(self, start: int) -> None:
        self._segments: list[Segment] = []
        self._starts: list[int] = []
        self.end = start

    def append(self, segment: Segment) -> None:
        """Add the next segment; it must start where the timeline ends."""
        if segment.start != self.end or segment.end <= segment.start:
            raise ValueError(f"segment {segment} does not extend the timeline at {self.end}")
        self._segments.append(segment)
        self._starts.append(segment.start)
        self.end = segment.end

    def at(self, t: int) -> Segment:
        """The segment covering instant ``t``."""
        return self._segments[max(0, bisect_right(self._starts, t) - 1)]

    def between(self, start: int, end: int) -> Iterator[tuple[Segment, int]]:
        """Each segment overlapping [start, end) with the milliseconds of the overlap."""
        i = max(0, bisect_right(self._starts, start) - 1)
        while i < len(self._segments) and self._segments[i].start < end:
            seg = self._segments[i]
            overlap = min(seg.end, end) - max(seg.start, start)
            if overlap > 0:
                yield seg, overlap
            i += 1

    def forget_before(self, t: int) -> None:
        """Drop segments that end before ``t``, keeping one so lookups still work."""
        i = bisect_right(self._starts, t) - 2
        if i > 256:
            # Trim in batches: slicing a list is linear, so do it rarely.
            del self._segments[:i]
            del self._starts[:i]
