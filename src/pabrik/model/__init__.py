"""Typed domain model: plant hierarchy, records, states and errors. No I/O."""
