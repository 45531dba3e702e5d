"""Programme aggregates across companies under k-anonymity (pure).

No group of fewer than ``k`` companies is ever shown. Small groups are merged into ``other``;
while ``other`` itself is smaller than ``k`` the next smallest group joins it, so a suppressed
group can never be recovered by subtracting the shown groups from the total.

Who counts toward k (``k_count``): only distinct companies with a registration number. In a
group that holds any company's own result (self-assessed or verified in pabrik), only those
companies count; imported rows count only in groups made of imported rows alone. Whoever
imports rows knows their values, so rows they add can never lift a group of fewer than k real
companies over k and be subtracted again (docs/security.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

OTHER = "other"
UNKNOWN = "unknown"
READY_LEVEL = 3
PERCENTILES = (25, 50, 75)


@dataclass(frozen=True, slots=True)
class CompanyResult:
    """One company's result in one year; ``company`` is an opaque key, never shown."""

    company: str
    year: int
    sector: str
    province: str
    size: str
    overall: float
    level: int
    pillars: Mapping[str, float] = field(default_factory=dict)
    fields: Mapping[str, float] = field(default_factory=dict)
    verified: bool = False
    gaps: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    imported: bool = False
    registered: bool = True


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Readiness of a group of at least k companies."""

    key: str
    n: int
    mean: float
    median: float
    share_ready: float
    levels: tuple[int, ...]
    merged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Groups along one dimension; ``merged`` small groups went into ``other``."""

    dimension: str
    groups: tuple[GroupStats, ...]
    merged: tuple[str, ...]
    suppressed: int


@dataclass(frozen=True, slots=True)
class HeatMap:
    """Mean pillar score per sector (rows) and pillar (columns); None where not shown."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[float | None, ...], ...]
    counts: tuple[int, ...]
    merged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Counted:
    """An item (a field in gap, a roadmap step) and how many companies have it (>= k)."""

    item: str
    companies: int


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A company's scores against the percentiles of its peers (None when too few)."""

    peers: str | None
    n: int
    overall: float
    overall_pct: Mapping[int, float]
    pillars: Mapping[str, float]
    pillar_pct: Mapping[str, Mapping[int, float]]


def latest(results: Iterable[CompanyResult]) -> list[CompanyResult]:
    """Each company's newest result (a verified one wins within the same year)."""
    best: dict[str, CompanyResult] = {}
    for r in results:
        old = best.get(r.company)
        if old is None or (r.year, r.verified) >= (old.year, old.verified):
            best[r.company] = r
    return [best[c] for c in sorted(best)]


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * p / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def k_count(members: Iterable[CompanyResult]) -> int:
    """Companies that count toward k: registered ones, only own results where there are any."""
    group = list(members)
    own = [m for m in group if not m.imported]
    counted = own or group
    return len({m.company for m in counted if m.registered})


def stats(key: str, results: Sequence[CompanyResult], scale_max: int) -> GroupStats:
    """Mean, median, share at level >= 3 and the level distribution of a group."""
    scores = [r.overall for r in results]
    levels = Counter(r.level for r in results)
    return GroupStats(
        key,
        len(results),
        fmean(scores),
        percentile(scores, 50),
        sum(1 for r in results if r.level >= READY_LEVEL) / len(results),
        tuple(levels.get(level, 0) for level in range(scale_max + 1)),
    )


def merge_small(
    groups: Mapping[str, Sequence[CompanyResult]], k: int
) -> tuple[dict[str, str], int]:
    """Map each group key to itself or ``other``; return the map and the companies dropped."""
    counts = {key: k_count(members) for key, members in groups.items()}
    mapping = {key: key for key in groups}
    small = sorted(key for key, n in counts.items() if n < k)
    other: list[CompanyResult] = []
    for key in small:
        mapping[key] = OTHER
        other.extend(groups[key])
    # Complementary merging: a lone small group would be the total minus the shown groups.
    kept = sorted((n, key) for key, n in counts.items() if n >= k)
    while other and k_count(other) < k and kept:
        _, key = kept.pop(0)
        mapping[key] = OTHER
        other.extend(groups[key])
    if other and k_count(other) < k:
        # Everything merged and still too few companies: nothing is shown.
        return mapping, len({m.company for m in other})
    return mapping, 0


def breakdown(
    results: Sequence[CompanyResult],
    dimension: str,
    key_of: Callable[[CompanyResult], str],
    k: int,
    scale_max: int,
) -> Breakdown:
    """Readiness per group along a dimension, with small groups merged or suppressed."""
    by_key: dict[str, list[CompanyResult]] = defaultdict(list)
    for r in results:
        by_key[key_of(r)].append(r)
    mapping, suppressed = merge_small(by_key, k)
    if suppressed:
        return Breakdown(dimension, (), tuple(sorted(by_key)), suppressed)
    grouped: dict[str, list[CompanyResult]] = defaultdict(list)
    for key, members in by_key.items():
        grouped[mapping[key]].extend(members)
    merged = tuple(sorted(key for key, target in mapping.items() if target == OTHER))
    groups = [
        replace_merged(stats(key, members, scale_max), merged if key == OTHER else ())
        for key, members in sorted(grouped.items(), key=lambda kv: (kv[0] == OTHER, kv[0]))
    ]
    return Breakdown(dimension, tuple(groups), merged, 0)


def replace_merged(group: GroupStats, merged: tuple[str, ...]) -> GroupStats:
    """The group with the list of keys merged into it."""
    return GroupStats(
        group.key, group.n, group.mean, group.median, group.share_ready, group.levels, merged
    )


def total(results: Sequence[CompanyResult], k: int, scale_max: int) -> GroupStats | None:
    """Readiness of all companies, when at least k of them count."""
    return stats("all", results, scale_max) if k_count(results) >= k else None


def trend(results: Iterable[CompanyResult], k: int, scale_max: int) -> list[GroupStats]:
    """Readiness per year over the companies assessed that year; years under k are left out."""
    by_year: dict[int, list[CompanyResult]] = defaultdict(list)
    for r in latest_per_year(results):
        by_year[r.year].append(r)
    return [
        stats(str(year), members, scale_max)
        for year, members in sorted(by_year.items())
        if k_count(members) >= k
    ]


def latest_per_year(results: Iterable[CompanyResult]) -> list[CompanyResult]:
    """One result per company and year."""
    best: dict[tuple[str, int], CompanyResult] = {}
    for r in results:
        key = (r.company, r.year)
        if key not in best or (r.verified and not best[key].verified):
            best[key] = r
    return list(best.values())


def heat_map(results: Sequence[CompanyResult], pillars: Sequence[str], k: int) -> HeatMap:
    """Mean pillar scores per sector, with the same merging of small sectors."""
    by_sector: dict[str, list[CompanyResult]] = defaultdict(list)
    for r in results:
        by_sector[r.sector].append(r)
    mapping, suppressed = merge_small(by_sector, k)
    if suppressed:
        return HeatMap((), tuple(pillars), (), (), tuple(sorted(by_sector)))
    grouped: dict[str, list[CompanyResult]] = defaultdict(list)
    for key, members in by_sector.items():
        grouped[mapping[key]].extend(members)
    rows = sorted(grouped, key=lambda key: (key == OTHER, key))
    cells = tuple(tuple(_pillar_mean(grouped[row], p, k) for p in pillars) for row in rows)
    merged = tuple(sorted(key for key, target in mapping.items() if target == OTHER))
    return HeatMap(tuple(rows), tuple(pillars), cells, tuple(len(grouped[r]) for r in rows), merged)


def _pillar_mean(members: Sequence[CompanyResult], pillar: str, k: int) -> float | None:
    having = [m for m in members if pillar in m.pillars]
    return fmean(m.pillars[pillar] for m in having) if k_count(having) >= k else None


def most_common(
    results: Sequence[CompanyResult],
    items_of: Callable[[CompanyResult], Iterable[str]],
    k: int,
    top: int = 10,
) -> list[Counted]:
    """Items most companies share, each shown only when at least k companies have it."""
    having: dict[str, list[CompanyResult]] = defaultdict(list)
    for r in results:
        for item in set(items_of(r)):
            having[item].append(r)
    counts = {item: k_count(members) for item, members in having.items()}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Counted(item, n) for item, n in ranked if n >= k][:top]


def shown_count(n: int, k: int) -> int | None:
    """A head count, or None when it is a group of fewer than k (but not zero)."""
    return n if n == 0 or n >= k else None


def benchmark(
    own: CompanyResult, others: Sequence[CompanyResult], pillars: Sequence[str], k: int
) -> Benchmark:
    """Own scores against sector peers, else all peers, needing k peers besides the company."""
    peers = [o for o in others if o.company != own.company]
    sector = [p for p in peers if p.sector == own.sector and own.sector != UNKNOWN]
    group, chosen = ("sector", sector) if k_count(sector) >= k else ("all", peers)
    if k_count(chosen) < k:
        return Benchmark(None, 0, own.overall, {}, dict(own.pillars), {})
    overall = {p: percentile([c.overall for c in chosen], p) for p in PERCENTILES}
    pillar_pct: dict[str, dict[int, float]] = {}
    for pillar in pillars:
        having = [c for c in chosen if pillar in c.pillars]
        if k_count(having) >= k:
            scores = [c.pillars[pillar] for c in having]
            pillar_pct[pillar] = {p: percentile(scores, p) for p in PERCENTILES}
    return Benchmark(group, len(chosen), own.overall, overall, dict(own.pillars), pillar_pct)
