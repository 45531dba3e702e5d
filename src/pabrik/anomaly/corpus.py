"""NAB corpus files as arrays: parsing of the text the caller has read (no I/O here)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pabrik.anomaly.nab import FileLabels, Floats, Stamps, label_points

Windows = list[tuple[np.datetime64, np.datetime64]]


def stamp(text: str) -> np.datetime64:
    """A NAB timestamp (``YYYY-MM-DD HH:MM:SS[.ffffff]``) as a naive datetime64[s]."""
    return np.datetime64(text.strip().replace(" ", "T", 1)[:19], "s")


def parse_series(text: str) -> tuple[Stamps, Floats]:
    """The ``timestamp,value`` rows of one NAB CSV file, header skipped."""
    stamps: list[str] = []
    values: list[float] = []
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        when, _, value = line.partition(",")
        stamps.append(when.strip().replace(" ", "T", 1)[:19])
        values.append(float(value.split(",")[0]))
    return np.array(stamps, dtype="datetime64[s]"), np.array(values, dtype=np.float64)


def parse_windows(text: str) -> dict[str, Windows]:
    """``combined_windows.json``: each file's windows as ``(start, end)`` instants."""
    raw: Mapping[str, Sequence[Sequence[str]]] = json.loads(text)
    return {name: [(stamp(a), stamp(b)) for a, b in spans] for name, spans in raw.items()}


@dataclass(frozen=True)
class Series:
    """One corpus file: its name, points and labels."""

    name: str
    timestamps: Stamps
    values: Floats
    labels: FileLabels


def series(name: str, text: str, windows: Windows) -> Series:
    """One corpus file parsed and labelled."""
    stamps, values = parse_series(text)
    return Series(name, stamps, values, label_points(stamps, windows))
