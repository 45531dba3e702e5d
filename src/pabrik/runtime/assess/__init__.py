"""Readiness assessment use cases: answers, scores, evidence, roadmap, reports, audit."""
