"""Half-open spans of integer epoch milliseconds and the set algebra the time model needs.

A span list is "normal" when it is sorted, has no empty spans and no two spans overlap
or touch; every function here that returns a list returns a normal one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

Span = tuple[int, int]


def normalize(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and merge the ones that overlap or touch; drop empty ones."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(spans: Iterable[Span], start: int, end: int) -> list[Span]:
    """The parts of ``spans`` inside [start, end)."""
    return normalize((max(s, start), min(e, end)) for s, e in spans)


def clip_normal(normal: Sequence[Span], start: int, end: int) -> list[Span]:
    """The parts of a normal span list inside [start, end), found by bisection."""
    i = bisect_right([e for _, e in normal], start)
    out: list[Span] = []
    while i < len(normal) and normal[i][0] < end:
        s, e = max(normal[i][0], start), min(normal[i][1], end)
        if s < e:
            out.append((s, e))
        i += 1
    return out


def total(spans: Iterable[Span]) -> int:
    """Summed length of the spans (assumed disjoint)."""
    return sum(e - s for s, e in spans)


def overlap(span: Span, normal: Sequence[Span]) -> int:
    """Length of ``span`` covered by a normal span list."""
    start, end = span
    # Skip every span that ends at or before our start: ends are sorted in a normal list.
    i = bisect_right([e for _, e in normal], start)
    covered = 0
    while i < len(normal) and normal[i][0] < end:
        covered += min(end, normal[i][1]) - max(start, normal[i][0])
        i += 1
    return covered


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """The intersection of two normal span lists."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return normalize(out)


def subtract(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """The parts of normal list ``a`` not covered by normal list ``b``."""
    out: list[Span] = []
    for start, end in a:
        cursor = start
        for b_start, b_end in b:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                out.append((cursor, b_start))
            cursor = max(cursor, b_end)
        if cursor < end:
            out.append((cursor, end))
    return normalize(out)


def ends_inside(t: int, normal: Sequence[Span]) -> bool:
    """Whether ``t`` lies in (start, end] of some span: the rule for end-stamped counts."""
    i = bisect_right([s for s, _ in normal], t - 1) - 1
    return i >= 0 and normal[i][0] < t <= normal[i][1]
