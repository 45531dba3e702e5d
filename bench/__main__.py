"""Run every benchmark and print its figures."""

from __future__ import annotations

from bench import anomaly, foundation, ingest, kpi, mqtt, postgres, protocols

if __name__ == "__main__":
    foundation.main()
    kpi.main()
    mqtt.main()
    postgres.main()
    ingest.main()
    protocols.main()
    anomaly.main()
