"""``pabrik connect probe`` on MQTT and Sparkplug: one clear line, the facts only in --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pabrik.cli.app import app
from tests.connectors.peers import TEST_SITE, Broker, BrokerFactory, free_port

KINDS = {"mqtt": "", "sparkplug": "    groups: [g]\n    host_id: h\n"}


def probe(tmp_path: Path, kind: str, broker: str, *extra: str) -> tuple[int, str]:
    site = tmp_path / f"{kind}.yaml"
    site.write_text(
        TEST_SITE + f"connectors:\n  - kind: {kind}\n    id: c1\n    broker: {broker}\n"
        f"{KINDS[kind]}",
        encoding="utf-8",
    )
    args = ["connect", "probe", "--config", str(site), "--connector", "c1", *extra]
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", KINDS)
def test_a_working_broker_is_one_ok_line_naming_the_broker_and_the_filters(
    tmp_path: Path, broker: Broker, kind: str
) -> None:
    where = f"{broker.host}:{broker.port}"
    code, out = probe(tmp_path, kind, f"{{host: {broker.host}, port: {broker.port}}}")
    assert code == 0, out
    [line] = out.splitlines()
    assert line.startswith(f"OK {kind} c1: connected to {where}")
    assert "subscribed" in line
    code, out = probe(tmp_path, kind, f"{{host: {broker.host}, port: {broker.port}}}", "--json")
    assert json.loads(out)["facts"]["granted"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_login_and_a_closed_port_are_one_failed_line(
    tmp_path: Path, broker_factory: BrokerFactory, kind: str
) -> None:
    locked = broker_factory(anonymous=False)
    login = f"{{host: {locked.host}, port: {locked.port}, username: u, password: p}}"
    code, out = probe(tmp_path, kind, login)
    assert code == 1
    [line] = out.splitlines()
    assert (
        line
        == f"FAILED {kind} c1: {locked.host}:{locked.port} refused the connection: Not authorized"
    )
    port = free_port()
    code, out = probe(tmp_path, kind, f"{{host: 127.0.0.1, port: {port}}}")
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith(f"FAILED {kind} c1: cannot connect to 127.0.0.1:{port}: ")
