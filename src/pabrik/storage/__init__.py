"""Store protocol and backends."""
