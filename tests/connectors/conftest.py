"""Fixtures for connector tests: Mosquitto brokers, the small test plant, a store and a sink.

The peers themselves (brokers, ports, the test site) are in tests/connectors/peers.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.peers import (
    HOST,
    TEST_SITE,
    Broker,
    BrokerFactory,
    free_port,
    mosquitto_binary,
    need_private,
    port_open,
)


@pytest.fixture(scope="session")
def broker_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerFactory]:
    """Start private brokers (each on a free port, in its own folder); stop them at the end."""
    started: list[Broker] = []

    def make(extra_conf: str = "", *, anonymous: bool = True) -> Broker:
        need_private()
        folder = tmp_path_factory.mktemp("mosquitto")
        b = Broker(HOST, free_port(), folder, extra_conf, anonymous)
        b.start()
        started.append(b)
        return b

    yield make
    for b in started:
        b.stop()


@pytest.fixture(scope="session")
def broker(broker_factory: BrokerFactory) -> Broker:
    """The shared broker: private when possible, else 127.0.0.1:1883, else skip (CI: fail)."""
    if mosquitto_binary() is not None:
        return broker_factory()
    if port_open(HOST, 1883):
        return Broker(HOST, 1883)
    if os.environ.get("CI") == "true":
        pytest.fail("no MQTT broker: install mosquitto")
    pytest.skip("no MQTT broker: install mosquitto or run one on 127.0.0.1:1883")


@pytest.fixture
def private_broker(broker_factory: BrokerFactory) -> Broker:
    """A broker of this test's own, which it may stop and restart."""
    return broker_factory()


@pytest.fixture(scope="session")
def test_site_text() -> str:
    return TEST_SITE


@pytest.fixture(scope="session")
def test_plant() -> Plant:
    return parse_site(TEST_SITE).plant()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "pabrik.sqlite", synchronous="NORMAL")
    s.upgrade()
    yield s
    s.close()


@pytest.fixture
def plant(test_plant: Plant) -> Plant:
    """The plant a test's sink validates against; protocol folders override it."""
    return test_plant


@pytest.fixture
def sink(store: SqliteStore, plant: Plant) -> IngestSink:
    return IngestSink(Ingestor(store, plant))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


_counter = iter(range(1_000_000))


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Unique names per test (client ids, share groups), so sessions never collide."""

    def name(prefix: str) -> str:
        return f"{prefix}-{os.getpid()}-{next(_counter)}"

    return name
