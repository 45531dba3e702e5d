"""Benchmarks for pabrik: run with ``make bench``; each prints figures and ratios."""
