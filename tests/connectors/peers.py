"""Real peers for connector tests: a private Mosquitto, free ports, polling, a small test plant.

A private broker is started when the ``mosquitto`` binary exists; otherwise a broker already
listening on 127.0.0.1:1883 is used; otherwise the tests skip, except under CI=true where a
missing broker fails them. The fixtures over these live in tests/connectors/conftest.py.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HOST = "127.0.0.1"
WAIT_S = 60.0

TEST_SITE = """
site: {id: uji, name: Pabrik Uji}
areas:
  - id: hall
    name: {id: Aula}
    lines:
      - id: line-1
        name: {id: Lini 1}
        machines:
          - id: press-1
            name: {id: Mesin Press 1}
            products: [{id: part-a, name: {id: Part A}, ideal_cycle_time_s: 2}]
            signals:
              - {id: temperature, name: {id: Suhu}, unit: "°C"}
              - {id: vibration, name: {id: Getaran}, unit: mm/s}
              - {id: pressure, name: {id: Tekanan}, unit: bar}
            state_map: {"1": running, "2": idle, "3": unplanned_stop, "RUN": running}
          - id: press-2
            name: {id: Mesin Press 2}
            products: [{id: part-a, name: {id: Part A}, ideal_cycle_time_s: 2}]
            signals:
              - {id: temperature, name: {id: Suhu}, unit: "°C"}
              - {id: speed, name: {id: Kecepatan}, unit: rpm}
calendar:
  timezone: Asia/Jakarta
  shifts: [{id: pagi, name: {id: Pagi}, start: "07:00", end: "15:00"}]
limits: {max_payload_bytes: 4096}
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    """Whether something accepts connections there."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float = WAIT_S, what: str = "condition") -> None:
    """Poll ``check`` until it holds; fail with ``what`` after a generous timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def mosquitto_binary() -> str | None:
    """The mosquitto program, on PATH or in /usr/sbin."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


@dataclass
class Broker:
    """A Mosquitto broker the tests talk to; private ones can be stopped and restarted."""

    host: str
    port: int
    folder: Path | None = None
    extra_conf: str = ""
    anonymous: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def private(self) -> bool:
        """Whether this test session started the broker (and may restart it)."""
        return self.folder is not None

    def conf(self) -> Path:
        """Write the broker configuration and return its path."""
        assert self.folder is not None
        path = self.folder / "mosquitto.conf"
        path.write_text(
            f"listener {self.port} {HOST}\n"
            f"allow_anonymous {'true' if self.anonymous else 'false'}\n"
            # Run as ourselves: as root, mosquitto would switch to a user that cannot write here.
            f"user {getpass.getuser()}\n"
            "persistence true\n"
            f"persistence_location {self.folder}/\n"
            "max_queued_messages 1000000\n"
            "max_inflight_messages 0\n"
            f"log_dest file {self.folder}/mosquitto.log\n"
            "log_type error\nlog_type warning\nlog_type notice\n" + self.extra_conf,
            encoding="utf-8",
        )
        return path

    def start(self) -> None:
        """Start the private broker and wait until it listens."""
        binary = mosquitto_binary()
        assert binary is not None
        assert self.folder is not None
        self.process = subprocess.Popen(
            [binary, "-c", str(self.conf())], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + WAIT_S
        while not port_open(self.host, self.port):
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {err}")
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start listening")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the private broker cleanly (it saves its persistent sessions)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()


def need_private() -> None:
    if mosquitto_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mosquitto is not installed, and CI needs it")
        pytest.skip("mosquitto is not installed; this test needs a private broker")


BrokerFactory = Callable[..., Broker]
