"""Process settings from the environment (prefix ``PABRIK_``) or the command line."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the site file and the data live, and how to serve."""

    model_config = SettingsConfigDict(env_prefix="PABRIK_", extra="ignore")

    config: Path | None = Path("examples/demo-plant.yaml")
    """The site file imported on first start (None: the stored configuration, or the wizard)."""
    data_dir: Path = Path("pabrik-data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    locale: str = Field(default="id", pattern="^(id|en|ko)$")
    live_interval_s: float = Field(default=1.0, gt=0)
    view_cache_s: float = Field(default=5.0, ge=0, le=300)
    """How long the plant overview is reused for other requests while time moves (0: never)."""
    seed: int | None = Field(default=None, ge=-(2**63), le=2**63 - 1)
    """The simulator seed instead of the file's; 64 bits, as the simulator takes."""
    config_poll_s: float = Field(default=2.0, gt=0, le=3600)
    """How often a process looks for a configuration version saved by another process."""
    db_pool_size: int = Field(default=5, ge=1, le=100)
    """Connections each process may open to PostgreSQL."""
    db_timeout_s: float = Field(default=5.0, gt=0)
    """How long one database call waits for a connection before it reports the store down."""
    db_wait_s: float = Field(default=300.0, ge=0)
    """How long a command waits for the database at start-up before it gives up."""
    cookie_secure: str = Field(default="auto", pattern="^(auto|always|never)$")
    """Session cookies are Secure unless ``never``; ``auto`` drops it for plain http to a loopback
    socket (the socket's address, never the Host header)."""
    session_idle_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    """A session ends after this long without a request."""
    session_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    """A session ends this long after login, however busy."""
    login_max_failures: int = Field(default=5, ge=1, le=100)
    """Failed logins of one name from one address that lock that pair (the name is only slowed)."""
    login_address_failures: int = Field(default=20, ge=1, le=10000)
    """Failed logins from one client address inside the window that lock the address."""
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """The window failures are counted in, and how long a lock lasts."""
    body_limit_mb: int = Field(default=10, ge=1, le=1024)
    """Largest request body, in megabytes (refused with 413 while it is being read)."""
    upload_limit_mb: int = Field(default=50, ge=1, le=4096)
    """Largest body of the upload routes (assessment attachments, programme import)."""
    k_anonymity: int = Field(default=5, ge=2, le=1000)
    """Smallest group of companies the programme view shows."""
    correction_window_h: int = Field(default=24, ge=0, le=24 * 31)
    """How long after an entry a supervisor may correct what an operator typed in (0: never)."""
    metrics_token: SecretStr = SecretStr("")
    """A bearer token Prometheus may scrape /metrics with, even while the database is down."""
    tls_cert_file: Path | None = None
    """PEM certificate (chain) to serve HTTPS with; plain HTTP without it."""
    tls_key_file: Path | None = None
    """PEM private key of ``tls_cert_file``."""
    forward_url: str = ""
    """The central's URL (https://host:port): ``serve`` then forwards this plant's store to it."""
    forward_credential_file: Path | None = None
    """File holding this plant's credential for the central (needed with ``forward_url``)."""
    forward_ca_file: Path | None = None
    """CA certificate the central's TLS certificate is signed by (default: the system's CAs)."""
    forward_disk_budget_mb: float | None = Field(default=None, gt=0)
    """Disk budget of the forwarding plant's store; its disk alarm rises at 80 %."""

    @model_validator(mode="after")
    def _forwarding_needs_a_credential_and_sqlite(self) -> Settings:
        if self.forward_url and self.forward_credential_file is None:
            raise ValueError("PABRIK_FORWARD_URL needs PABRIK_FORWARD_CREDENTIAL_FILE")
        if self.forward_url and self.backend() != "sqlite":
            raise ValueError("only a plant on SQLite forwards to a central (PABRIK_FORWARD_URL)")
        return self

    def backend(self) -> str:
        """``postgresql`` or ``sqlite``, from the scheme of ``database_url``."""
        scheme = self.database_url.split("://", 1)[0].lower() if self.database_url else "sqlite"
        if scheme in {"postgresql", "postgres"}:
            return "postgresql"
        if scheme == "sqlite":
            return "sqlite"
        raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite or postgresql")

    def database_label(self) -> str:
        """Where the data lives, safe to print: the SQLite path or the URL without secrets."""
        if self.backend() == "sqlite":
            return str(self.sqlite_path())
        return redact_url(self.database_url)

    def sqlite_path(self) -> Path:
        """The SQLite file named by ``database_url``, or the default in ``data_dir``."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'pabrik.sqlite'}"
        if not url.startswith("sqlite:///"):
            raise ValueError(f"unsupported database URL scheme in {url.split(':', 1)[0]!r}")
        return Path(url.removeprefix("sqlite:///"))


_SECRET_PARAM = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)


def redact_url(url: str) -> str:
    """A database URL with its password (in the authority or the query) replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            credentials, host = netloc.rsplit("@", 1)
            user = credentials.split(":", 1)[0]
            netloc = f"{user}:***@{host}" if ":" in credentials else f"{user}@{host}"
        query = _SECRET_PARAM.sub(r"\1***", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "<unparseable database URL>"
