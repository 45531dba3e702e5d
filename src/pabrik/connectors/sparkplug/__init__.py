"""Sparkplug B 3.0 host connector: births, aliases, seq and bdSeq, rebirth and STATE."""

from pabrik.connectors.sparkplug.config import DeviceMap, MetricMap, SparkplugConfig

__all__ = ["DeviceMap", "MetricMap", "SparkplugConfig"]
