"""Keep a long-running server's memory from creeping: few malloc arenas, free pages returned.

glibc gives each new thread its own malloc arena, up to eight per core. The web tier's worker
threads come and go (an idle one ends after ten seconds), so their freed memory stays spread
over many arenas that the process never gives back: a soak showed the free space inside the
arenas growing about 1 MiB a minute while the memory in use stayed flat. Two arenas and a
periodic trim keep the resident size steady. On other C libraries these calls do nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

log = logging.getLogger(__name__)

ARENAS = 2
"""Malloc arenas for the whole process (the GIL serialises most allocation anyway)."""
TRIM_EVERY_S = 60.0
_M_ARENA_MAX = -8  # from glibc's malloc.h


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not all(hasattr(libc, f) for f in ("mallopt", "malloc_trim", "malloc_info")):
        return None
    return libc


_LIBC = _glibc()


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Let threads created from now on share at most ``arenas`` arenas; whether it applied."""
    if _LIBC is None:
        return False
    return bool(_LIBC.mallopt(_M_ARENA_MAX, arenas))


def trim_malloc() -> bool:
    """Give free pages inside every arena back to the system; whether any were given."""
    if _LIBC is None:
        return False
    return bool(_LIBC.malloc_trim(0))


def malloc_arenas() -> int | None:
    """How many malloc arenas the process has now (None when not on glibc)."""
    if _LIBC is None:
        return None
    _LIBC.fopen.restype = ctypes.c_void_p
    _LIBC.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    _LIBC.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    _LIBC.fclose.argtypes = [ctypes.c_void_p]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "malloc.xml"
        stream = _LIBC.fopen(str(path).encode(), b"w")
        if not stream:
            return None
        _LIBC.malloc_info(0, stream)
        _LIBC.fclose(stream)
        return len(re.findall(r'<heap nr="\d+"', path.read_text(encoding="utf-8")))


async def trim_forever(stop: asyncio.Event, every_s: float = TRIM_EVERY_S) -> None:
    """Trim the malloc arenas every ``every_s`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), every_s)
        except TimeoutError:
            await asyncio.to_thread(trim_malloc)
    log.debug("malloc trimming stopped")


@asynccontextmanager
async def memory_kept(every_s: float = TRIM_EVERY_S) -> AsyncIterator[None]:
    """While open: arenas capped (for threads started later) and trimmed every ``every_s``."""
    cap_malloc_arenas()
    stop = asyncio.Event()
    task = asyncio.create_task(trim_forever(stop, every_s), name="pabrik-malloc-trim")
    try:
        yield
    finally:
        stop.set()
        await task
