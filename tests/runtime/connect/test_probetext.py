"""Connection test lines in the reader's language: every sentence a probe says has a message."""

from __future__ import annotations

import re

import pytest

from pabrik.present.i18n import Catalogues
from pabrik.runtime.connect.probetext import MESSAGE_IDS, probe_text

SAID = {
    "all devices answered": "conn.probe.devices_ok",
    "2 device(s) failed": "conn.probe.devices_failed",
    "read holding 0..3 of unit 1": "conn.probe.modbus_read",
    "no answer within 0.2 s (TimeoutError)": "conn.probe.no_answer",
    "modbus exception 2 (illegal data address)": "conn.probe.modbus_exception",
    "all 2 node(s) readable": "conn.probe.nodes_ok",
    "1 of 2 node(s) not good": "conn.probe.nodes_not_good",
    "connected, but reading failed: BadTimeout": "conn.probe.read_failed",
    "connected to opc.tcp://10.0.0.5:4840/: 3 item(s) under Objects": "conn.probe.objects",
    "cannot browse opc.tcp://10.0.0.5:4840/: TimeoutError": "conn.probe.cannot_browse",
    "connected to 127.0.0.1:1883 and subscribed to 1 filter(s)": "conn.probe.mqtt_ok",
    "no MQTT answer from 10.0.0.7:1883 in 5 s (not a broker, or TLS expected?)": (
        "conn.probe.mqtt_silent"
    ),
    "10.0.0.7:1883 refused the connection: Not authorized": "conn.probe.mqtt_refused",
    "10.0.0.7:1883 refused subscriptions: a/#, b/+": "conn.probe.mqtt_filters_refused",
    "cannot connect to 10.0.0.7:502": "conn.probe.cannot_connect",
    "cannot connect to opc.tcp://10.0.0.5:4840/: OSError: refused": (
        "conn.probe.cannot_connect_because"
    ),
    "connector kind 'csv' cannot be tested": "conn.probe.untestable",
}


@pytest.mark.parametrize(("line", "key"), SAID.items())
def test_each_sentence_a_probe_says_is_named_by_its_message(line: str, key: str) -> None:
    assert probe_text(line).key == key


def test_an_unknown_sentence_is_shown_as_it_came() -> None:
    text = probe_text("something new")
    assert text.key == "conn.probe.other"
    assert text.values == {"text": "something new"}


@pytest.mark.parametrize("locale", ["id", "en", "ko"])
def test_every_message_is_in_the_catalogue_with_the_same_values(locale: str) -> None:
    translator = Catalogues.load().get(locale)
    english = Catalogues.load().get("en")
    for key in MESSAGE_IDS:
        text = translator.gettext(key)
        assert text != key, f"{key} missing in {locale}"
        names = set(re.findall(r"%\((\w+)\)s", text))
        assert names == set(re.findall(r"%\((\w+)\)s", english.gettext(key))), key


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("id", "tidak dapat terhubung ke 10.0.0.7:502"),
        ("en", "cannot connect to 10.0.0.7:502"),
    ],
)
def test_a_line_reads_in_the_chosen_language(locale: str, expected: str) -> None:
    text = probe_text("cannot connect to 10.0.0.7:502")
    assert Catalogues.load().get(locale).gettext(text.key) % text.values == expected
