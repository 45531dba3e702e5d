"""Process settings from the environment (prefix ``PABRIK_``) or the command line."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the site file and the data live, and how to serve."""

    model_config = SettingsConfigDict(env_prefix="PABRIK_", extra="ignore")

    config: Path = Path("examples/demo-plant.yaml")
    data_dir: Path = Path("pabrik-data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    locale: str = Field(default="id", pattern="^(id|en)$")
    batch_size: int = Field(default=5000, gt=0)
    live_interval_s: float = Field(default=1.0, gt=0)
    seed: int | None = None

    def sqlite_path(self) -> Path:
        """The SQLite file named by ``database_url``, or the default in ``data_dir``."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'pabrik.sqlite'}"
        if not url.startswith("sqlite:///"):
            raise ValueError(f"unsupported database URL scheme in {url.split(':', 1)[0]!r}")
        return Path(url.removeprefix("sqlite:///"))
