"""Alarms at run time: evaluation on ingest and on a clock, operator actions, reads."""
