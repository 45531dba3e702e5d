"""Streaming anomaly detectors (learn_one / score_one, scores in [0, 1]) and NAB-style scoring."""
