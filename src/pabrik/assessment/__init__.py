"""Readiness assessment models, scoring, gaps and roadmaps."""
