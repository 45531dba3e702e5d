"""Context counts survive a checkpoint, in the compact form and in the older pair form."""

from __future__ import annotations

import json

from pabrik.anomaly.contexts import Contexts


def learnt() -> Contexts:
    c = Contexts(length=3, levels=5, cap=20)
    for i in range(200):
        level = (i * 7 + i // 3) % 6
        c.learn(c.key(level), level)
    return c


def test_contexts_restore_the_same_counts_in_the_same_order_from_their_checkpoint() -> None:
    c = learnt()
    again = Contexts(length=3, levels=5, cap=20)
    again.load(json.loads(json.dumps(c.to_dict())))
    assert list(again.counts.items()) == list(c.counts.items())
    assert (again.prefix, again.filled) == (c.prefix, c.filled)


def test_contexts_checkpoint_keeps_counts_as_two_flat_lists() -> None:
    state = learnt().to_dict()
    assert all(isinstance(k, int) for k in state["keys"])
    assert len(state["keys"]) == len(state["counts"])


def test_contexts_read_a_checkpoint_written_as_pairs() -> None:
    c = learnt()
    old = {"prefix": c.prefix, "filled": c.filled, "counts": [[k, n] for k, n in c.counts.items()]}
    again = Contexts(length=3, levels=5, cap=20)
    again.load(json.loads(json.dumps(old)))
    assert list(again.counts.items()) == list(c.counts.items())
