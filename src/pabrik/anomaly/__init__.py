"""Streaming anomaly detectors and thresholds."""
