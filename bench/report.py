"""One way to print a figure against its same-run baseline: ratio, target, met or missed."""

from __future__ import annotations

RESULTS: list[str] = []


def ratio(label: str, ours: float, baseline: float, target: float) -> bool:
    """Print ``ours / baseline`` against a minimum ratio; remember it for the summary."""
    value = ours / baseline if baseline else 0.0
    return _note(f"{label}: ratio {value:.3f} (target >= {target:.2f})", value >= target)


def limit(label: str, value_ms: float, limit_ms: float) -> bool:
    """Print a time against a maximum; remember it for the summary."""
    text = f"{label}: {value_ms:,.0f} ms (target < {limit_ms:,.0f} ms)"
    return _note(text, value_ms < limit_ms)


def check(label: str, ok: bool) -> bool:
    """Print a yes/no requirement; remember it for the summary."""
    return _note(label, ok)


def summary() -> None:
    """Every figure of the run against its target, one line each."""
    print("summary (ratios against baselines measured in the same run):")
    for line in RESULTS:
        print(f"  {line}")


def _note(text: str, met: bool) -> bool:
    line = f"{'met   ' if met else 'MISSED'} {text}"
    RESULTS.append(line)
    print(f"  -> {line}")
    return met
