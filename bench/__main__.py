"""Run every benchmark, print its figures, then every ratio against its target."""

from __future__ import annotations

import time

from bench import anomaly, foundation, ingest, kpi, mqtt, postgres, protocols, report, web

WEB_SECONDS = 45
"""Measured load of the dashboard row (plus about 3 min to prepare, start and warm it)."""

if __name__ == "__main__":
    began = time.perf_counter()
    foundation.main()
    kpi.main()
    mqtt.main()
    postgres.main()
    ingest.main()
    protocols.main()
    anomaly.main()
    web.main(seconds=WEB_SECONDS)
    report.summary()
    print(f"bench took {(time.perf_counter() - began) / 60:.1f} min (target: under 15 min)")
