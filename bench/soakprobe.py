"""What the soak looks at: RSS, open files, threads, and (optionally) allocation sites.

A `Probe` is taken after warm-up and again at the end; `diff` says which file descriptors
and threads appeared or went, and, when tracemalloc runs, which allocation sites grew most.
"""

from __future__ import annotations

import ctypes
import os
import re
import sqlite3
import sys
import threading
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

TRACE_FRAMES = 6
_DIGITS = re.compile(r"\d+")
# Allocation sites of the measuring itself, not of the server under test.
_IGNORED = (tracemalloc.__file__, __file__, "<frozen importlib._bootstrap>", "<unknown>")


POOLS = {"AnyIO worker thread": 40, "asyncio_": 6}
"""Worker pools that grow and shrink with load, by thread-name prefix, with their caps.

AnyIO runs sync routes on at most 40 threads and ends one idle for 10 s; asyncio's default
executor (``to_thread``) has at most min(32, cores + 4), 6 on this 2-core machine.
"""


def usage() -> tuple[int, int, int, int]:
    """RSS in KiB, open file descriptors, live threads, and those of them in worker pools."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    found = re.search(r"VmRSS:\s+(\d+)", status)
    rss = int(found.group(1)) if found else 0
    threads = threading.enumerate()
    pooled = sum(1 for t in threads if t.name.startswith(tuple(POOLS)))
    return rss, len(os.listdir("/proc/self/fd")), len(threads), pooled


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (all size_t)."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _library(name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


assert sqlite3.sqlite_version  # the module (and so libsqlite3) is loaded before we look it up
_SQLITE = _library("libsqlite3.so.0")
_LIBC = _library("libc.so.6")
if _SQLITE is not None:
    _SQLITE.sqlite3_memory_used.restype = ctypes.c_int64
if _LIBC is not None:
    _LIBC.mallinfo2.restype = _MallInfo2


def heap() -> str:
    """Where the memory is: SQLite's own allocations, malloc in use and free, Python blocks."""
    parts = []
    if _SQLITE is not None:
        parts.append(f"sqlite {_SQLITE.sqlite3_memory_used() / 2**20:.1f} MiB")
    if _LIBC is not None:
        info = _LIBC.mallinfo2()
        used = (info.uordblks + info.hblkhd) / 2**20
        parts.append(f"malloc used {used:.0f} free {info.fordblks / 2**20:.0f} MiB")
    parts.append(f"py blocks {sys.getallocatedblocks() / 1000:.0f}k")
    return " ".join(parts)


def open_files() -> Counter[str]:
    """Open descriptors by kind: a path, or socket/pipe/anon_inode without its inode number."""
    kinds: Counter[str] = Counter()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed between the listing and the look
        kinds[re.sub(r"\[\d+\]$", "", target).rstrip(":")] += 1
    return kinds


def thread_names() -> Counter[str]:
    """Live threads by name, with numbers folded (pools and workers count as one kind)."""
    return Counter(_DIGITS.sub("N", t.name) for t in threading.enumerate())


@dataclass
class Probe:
    """Files, threads and (when tracing) an allocation snapshot at one moment."""

    files: Counter[str] = field(default_factory=open_files)
    threads: Counter[str] = field(default_factory=thread_names)
    snapshot: tracemalloc.Snapshot | None = field(
        default_factory=lambda: tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
    )


def start_tracing(frames: int = TRACE_FRAMES) -> None:
    """Trace allocations from now on, ``frames`` deep."""
    tracemalloc.start(frames)


def _changes(before: Counter[str], after: Counter[str]) -> list[str]:
    names = sorted(set(before) | set(after))
    return [f"    {n}: {before[n]} → {after[n]}" for n in names if before[n] != after[n]]


def _site(stat: tracemalloc.StatisticDiff) -> str:
    """The innermost frames of an allocation site, pabrik's first when it has any."""
    frames = list(stat.traceback)[::-1]  # innermost first
    ours = [f for f in frames if "/pabrik/" in f.filename or "/bench/" in f.filename]
    shown = (ours or frames)[:4]
    return " ← ".join(f"{_short(f.filename)}:{f.lineno}" for f in shown)


def _short(path: str) -> str:
    for marker in ("/src/pabrik/", "/site-packages/", "/bench/", "/lib/python"):
        if marker in path:
            return path[path.index(marker) + 1 :]
    return path


def growing_sites(base: tracemalloc.Snapshot, end: tracemalloc.Snapshot, top: int) -> list[str]:
    """The ``top`` allocation sites (by traceback) that grew most between two snapshots."""
    keep = [tracemalloc.Filter(False, pattern) for pattern in _IGNORED]
    stats = end.filter_traces(keep).compare_to(base.filter_traces(keep), "traceback")
    growing = [s for s in stats if s.size_diff > 0][:top]
    return [
        f"  {s.size_diff / 1024:+9.0f} KiB {s.count_diff:+7d} blocks"
        f" (now {s.size / 1024:.0f} KiB)  {_site(s)}"
        for s in growing
    ]


def diff(base: Probe, end: Probe, top: int = 10) -> list[str]:
    """What changed between two probes, as lines to print."""
    lines = ["open files that changed (by kind):"]
    lines += _changes(base.files, end.files) or ["    none"]
    lines.append("threads that changed (by name):")
    lines += _changes(base.threads, end.threads) or ["    none"]
    if base.snapshot is not None and end.snapshot is not None:
        lines.append(f"top {top} growing allocation sites (tracemalloc):")
        lines += growing_sites(base.snapshot, end.snapshot, top)
    return lines
