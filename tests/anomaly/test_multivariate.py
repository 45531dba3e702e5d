"""A machine's detector over several signals: each signal learnt alone, read together."""

from __future__ import annotations

import json
import math
import random

from pabrik.anomaly.gaussian import GaussianDetector
from pabrik.anomaly.multivariate import JOINT, MachineDetector
from pabrik.model.states import StateClass


def readings(n: int, seed: int = 2) -> list[dict[str, float]]:
    rng = random.Random(seed)
    return [
        {
            "temperature": 60 + 2 * math.sin(i / 20) + rng.gauss(0, 0.1),
            "pressure": 120 + rng.gauss(0, 0.5),
        }
        for i in range(n)
    ]


def test_the_machine_score_is_its_most_anomalous_signal_and_explains_itself() -> None:
    det = MachineDetector(["temperature", "pressure"])
    for r in readings(600):
        det.process_one(r)
    odd = {"temperature": 61.0, "pressure": 200.0}
    parts = det.explain_one(odd)
    assert max(parts, key=parts.__getitem__) == "pressure"
    assert det.score_one(odd) == max(parts.values()) > 0.9


def test_a_signal_missing_from_a_reading_is_neither_learnt_nor_scored() -> None:
    det = MachineDetector(["temperature", "pressure"])
    for r in readings(300):
        det.process_one({"temperature": r["temperature"]})
    assert det.detectors["pressure"].to_dict()["n"] == 0
    assert set(det.explain_one({"temperature": 60.0})) == {"temperature"}


def test_pausing_the_machine_pauses_every_signal_and_state_round_trips() -> None:
    det = MachineDetector(["temperature", "pressure"], GaussianDetector)
    for r in readings(300):
        det.process_one(r)
    det.follow(StateClass.UNPLANNED_STOP)
    assert det.process_one({"temperature": 0.0, "pressure": 0.0}) == 0.0
    saved = json.loads(json.dumps(det.to_dict()))
    again = MachineDetector.from_dict(saved)
    assert again.to_dict() == det.to_dict()
    again.resume(settle=2)
    det.resume(settle=2)
    rest = readings(50, seed=9)
    assert [again.process_one(r) for r in rest] == [det.process_one(r) for r in rest]


def test_a_broken_relation_between_signals_in_their_normal_ranges_scores_high() -> None:
    rng = random.Random(4)
    det = MachineDetector(["load", "current"])
    normal = []
    for i in range(800):
        load = 50 + 40 * math.sin(i / 15) + rng.gauss(0, 1)
        normal.append(det.process_one({"load": load, "current": 2 * load + rng.gauss(0, 1)}))
    # high load with the low current of an idle motor: each value alone is ordinary
    broken = {"load": 85.0, "current": 30.0}
    parts = det.explain_one(broken)
    assert parts[JOINT] > max(parts["load"], parts["current"])
    assert parts[JOINT] > max(normal[400:])
