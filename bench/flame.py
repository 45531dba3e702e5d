"""Summarise a py-spy raw profile: inclusive and self shares per function, for docs.

    .venv/bin/pip install py-spy
    .venv/bin/py-spy record -r 200 -f raw -o /tmp/mqtt.txt -- .venv/bin/python -m bench.mqtt
    .venv/bin/python -m bench.flame /tmp/mqtt.txt _batch_main

The optional second argument keeps only stacks that contain it (a thread's entry function).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)")


def summarise(path: Path, only: str = "", top: int = 25) -> str:
    """The shares of the stacks in a py-spy ``-f raw`` file, as text."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or (only and only not in stack):
            continue
        n = int(count)
        total += n
        frames = [_LINE.sub(")", f) for f in stack.split(";")[1:]]
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    out = [f"{total} samples" + (f" in stacks with {only}" if only else "")]
    for title, counts in (("inclusive", inclusive), ("self", own)):
        out.append(f"{title}:")
        out += [f"  {n / total:6.1%}  {f}" for f, n in counts.most_common(top)] if total else []
    return "\n".join(out)


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else ""))
