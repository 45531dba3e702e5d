"""The server's malloc arenas are capped, so threads that come and go share a few."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from pabrik.runtime.health.memory import malloc_arenas, memory_kept

# A fresh interpreter: how many arenas a process has depends on every thread it ever ran.
CHURN = """
import threading
from pabrik.runtime.health.memory import cap_malloc_arenas, malloc_arenas, trim_malloc
if {cap}:
    assert cap_malloc_arenas(2)
gate = threading.Barrier(12)
def work():
    gate.wait()  # all twelve allocate at once, as busy request workers do
    blocks = [bytearray(64 * 1024) for _ in range(32)]
    del blocks
for _ in range(3):
    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
trim_malloc()
print(malloc_arenas())
"""

pytestmark = pytest.mark.skipif(malloc_arenas() is None, reason="needs glibc's malloc")


def _arenas_after_churn(*, cap: bool) -> int:
    out = subprocess.run(
        [sys.executable, "-c", CHURN.format(cap=cap)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def test_capped_process_keeps_two_arenas_after_36_threads_allocate_at_once() -> None:
    assert _arenas_after_churn(cap=True) <= 2


def test_uncapped_process_spreads_the_same_threads_over_more_arenas() -> None:
    # The contrast that makes the cap worth having (glibc allows eight per core).
    assert _arenas_after_churn(cap=False) > 2


def test_memory_kept_stops_its_trimming_when_the_app_stops() -> None:
    async def serve_briefly() -> list[str]:
        async with memory_kept(every_s=0.001):
            for _ in range(5):
                await asyncio.sleep(0.002)  # let the trimmer run a few rounds
        return [t.get_name() for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert asyncio.run(serve_briefly()) == []
