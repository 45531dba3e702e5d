"""Simulated plant: a deterministic connector for demos and tests."""
