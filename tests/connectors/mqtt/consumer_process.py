"""A consumer in its own process, so a test can kill it with SIGKILL mid-stream."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.storage.sqlite.store import SqliteStore


def main() -> None:
    args = json.loads(sys.argv[1])
    plant = parse_site(Path(args["site"]).read_text(encoding="utf-8")).plant()
    store = SqliteStore(Path(args["db"]))
    store.upgrade()
    connector = MqttConnector(MqttConfig.model_validate(args["config"]), plant)
    connector.start(IngestSink(Ingestor(store, plant)))
    while not connector.session.subscribed.is_set():
        time.sleep(0.01)
    print("subscribed", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
