"""TLS with a CA made by the test, client certificates, and username/password logins."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.certs import Certs, make_certs
from tests.connectors.mqtt.helpers import Publisher, mqtt_config, started
from tests.connectors.peers import HOST, Broker, BrokerFactory, free_port, wait_until

TOPIC = "pabrik/v1/uji/hall/line-1/press-1/sample/temperature"


def payload() -> str:
    ts = datetime.now(UTC) - timedelta(seconds=10)
    return json.dumps({"ts": ts.isoformat(), "value": 21.5})


@pytest.fixture
def tls_broker(broker_factory: BrokerFactory, tmp_path: Path) -> tuple[Broker, Broker, Certs]:
    """A broker with a plain listener (for the test's publisher) and a mutual-TLS listener."""
    certs = make_certs(tmp_path)
    tls_port = free_port()
    plain = broker_factory(
        extra_conf=(
            f"listener {tls_port} {HOST}\n"
            f"cafile {certs.ca}\ncertfile {certs.server_cert}\nkeyfile {certs.server_key}\n"
            "require_certificate true\n"
        )
    )
    return plain, Broker(HOST, tls_port), certs


def test_tls_with_a_client_certificate_carries_messages_into_the_store(
    tls_broker: tuple[Broker, Broker, Certs],
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    plain, secure, certs = tls_broker
    tls = {
        "ca_file": str(certs.ca),
        "cert_file": str(certs.client_cert),
        "key_file": str(certs.client_key),
    }
    config = mqtt_config(secure, unique("tls"), broker={"tls": tls})
    assert MqttConnector(config, test_plant).probe_now().ok
    connector = started(config, test_plant, sink)
    try:
        pub = Publisher(plain)
        pub.send(TOPIC, payload())
        pub.close()
        wait_until(lambda: store.row_counts()["samples"] == 1, what="the sample over TLS")
    finally:
        connector.close()


# paho 2.2 does not close the socket when the TLS handshake fails; it is freed at once, with a
# ResourceWarning that is paho's, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_tls_refuses_a_broker_whose_ca_is_not_trusted(
    tls_broker: tuple[Broker, Broker, Certs],
    test_plant: Plant,
    tmp_path: Path,
    unique: Callable[[str], str],
) -> None:
    _, secure, certs = tls_broker
    (tmp_path / "other").mkdir()
    other = make_certs(tmp_path / "other")
    tls = {
        "ca_file": str(other.ca),
        "cert_file": str(certs.client_cert),
        "key_file": str(certs.client_key),
    }
    result = MqttConnector(
        mqtt_config(secure, unique("tls"), broker={"tls": tls}), test_plant
    ).probe_now()
    assert not result.ok
    assert "CERTIFICATE_VERIFY_FAILED" in result.detail


def test_a_password_login_works_and_a_wrong_password_is_reported_not_fatal(
    broker_factory: BrokerFactory,
    tmp_path: Path,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        pytest.skip("mosquitto_passwd is not installed")
    passwords = tmp_path / "passwords"
    subprocess.run([tool, "-b", "-c", str(passwords), "pabrik", "rahasia-123"], check=True)
    passwords.chmod(0o600)
    secured = broker_factory(extra_conf=f"password_file {passwords}\n", anonymous=False)
    login = {"username": "pabrik", "password": "rahasia-123"}

    wrong = mqtt_config(secured, unique("auth"), broker={**login, "password": "salah"})
    verdict = MqttConnector(wrong, test_plant).probe_now()
    assert not verdict.ok
    assert "refused" in verdict.detail

    failing = MqttConnector(wrong, test_plant)
    failing.start(sink)
    wait_until(lambda: failing.metrics.last_error is not None, what="the refusal to be noted")
    failing.close()
    assert "refused" in (failing.metrics.last_error or "")

    connector = started(mqtt_config(secured, unique("auth"), broker=login), test_plant, sink)
    try:
        pub = Publisher(secured, **login)
        pub.send(TOPIC, payload())
        pub.close()
        wait_until(lambda: store.row_counts()["samples"] == 1, what="the sample after login")
    finally:
        connector.close()


def test_the_publisher_helper_is_refused_without_a_password(broker_factory: BrokerFactory) -> None:
    secured = broker_factory(anonymous=False)
    client = paho.Client(CallbackAPIVersion.VERSION2)
    codes: list[str] = []
    client.on_connect = lambda c, u, f, rc, p: codes.append(str(rc))
    client.connect(secured.host, secured.port)
    client.loop_start()
    wait_until(lambda: bool(codes), what="the broker's answer")
    client.loop_stop()
    assert codes[0] == "Not authorized"
