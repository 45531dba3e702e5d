"""A PostgreSQL server for tests: the one named by PABRIK_TEST_PG, else a private one.

The private server is made with ``initdb`` and ``pg_ctl`` in a temporary folder on a free
port, as the ``postgres`` user when we are root (initdb refuses root). Without either, tests
that need PostgreSQL skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from bench.peers import free_port
from psycopg import sql

__all__ = ["free_port"]  # re-exported: the PostgreSQL tests import it from here


@dataclass
class PgServer:
    """A reachable server and the databases the tests made on it."""

    admin_url: str
    private: PrivateServer | None = None
    made: list[str] = field(default_factory=list)

    def url_for(self, database: str) -> str:
        """The URL of one database on this server."""
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    def create_database(self, prefix: str = "pabrik_test") -> str:
        """A fresh, uniquely named database; return its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.made.append(name)
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made here, closing what still uses it."""
        name = url.rpartition("/")[2]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if name in self.made:
            self.made.remove(name)

    def close(self) -> None:
        """Drop leftover databases and stop a private server."""
        for name in list(self.made):
            with contextlib.suppress(psycopg.Error):
                self.drop_database(self.url_for(name))
        if self.private is not None:
            self.private.stop()


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program, from PATH or the Debian layout."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


@dataclass
class PrivateServer:
    """A throwaway cluster in a temporary folder."""

    folder: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        initdb = pg_bin("initdb")
        assert initdb is not None
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        pg_ctl = pg_bin("pg_ctl")
        assert pg_ctl is not None
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
            # fsync off speeds tests and survives a killed server (the OS keeps the pages).
            " -c fsync=off -c full_page_writes=off"
        )
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-w", "-t", "60",
                  "-l", str(self.folder / "log"), "start")  # fmt: skip

    def stop(self) -> None:
        pg_ctl = pg_bin("pg_ctl")
        if pg_ctl and self.data.exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def make_private(port: int | None = None) -> PrivateServer | None:
    """An initialised (not started) private cluster, or None when this machine cannot."""
    if pg_bin("initdb") is None or pg_bin("pg_ctl") is None:
        return None
    user: str | None = None
    folder = Path(tempfile.mkdtemp(prefix="pabrik-pg-"))
    if os.geteuid() == 0:
        if shutil.which("runuser") is None or not _user_exists("postgres"):
            return None
        user = "postgres"
        shutil.chown(folder, user)
    server = PrivateServer(folder, port or free_port(), user)
    try:
        server.init()
    except (subprocess.SubprocessError, OSError):
        server.remove()
        return None
    return server


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def find_server() -> PgServer | None:
    """PABRIK_TEST_PG when set, else a freshly started private server."""
    url = os.environ.get("PABRIK_TEST_PG")
    if url:
        return PgServer(url)
    private = make_private()
    if private is None:
        return None
    # Another process may take the free port before the server binds it: try a few others.
    for _ in range(3):
        try:
            private.start()
        except subprocess.SubprocessError:
            private.port = free_port()
            continue
        return PgServer(private.url, private)
    private.remove()
    return None


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where a missing PostgreSQL is a broken build."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole session."""
    server = find_server()
    if server is None:
        unavailable("no PABRIK_TEST_PG and no initdb/pg_ctl to start a private server")
    assert server is not None
    try:
        yield server
    finally:
        server.close()
        if server.private is not None:
            server.private.remove()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh database for one test, dropped afterwards."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)
