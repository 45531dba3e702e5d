"""Detectors by name: the one a signal gets by default, and restoring any saved state."""

from __future__ import annotations

from pabrik.anomaly.default import ContextDetector
from pabrik.anomaly.detector import Pausable, State
from pabrik.anomaly.gaussian import GaussianDetector

DEFAULT = ContextDetector.name
DETECTORS: dict[str, type[Pausable]] = {
    ContextDetector.name: ContextDetector,
    GaussianDetector.name: GaussianDetector,
}


def factory(name: str = DEFAULT) -> type[Pausable]:
    """The class of detectors of kind ``name``; calling it gives one with default settings."""
    try:
        return DETECTORS[name]
    except KeyError:
        known = ", ".join(sorted(DETECTORS))
        raise ValueError(f"unknown detector {name!r} (known: {known})") from None


def restore(state: State) -> Pausable:
    """The detector a saved state (``to_dict``) describes, of whatever kind it is."""
    return factory(str(state["kind"])).from_dict(state)
