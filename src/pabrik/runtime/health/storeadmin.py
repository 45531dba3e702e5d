"""Open a store by settings for administration: migrations and status."""

from __future__ import annotations

from pabrik.runtime.settings import Settings
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store


def open_store(settings: Settings) -> Store:
    """The store named by the settings' database URL: ``sqlite:///…`` or ``postgresql://…``."""
    if settings.backend() == "postgresql":
        return PostgresStore(
            settings.database_url,
            pool_size=settings.db_pool_size,
            timeout_s=settings.db_timeout_s,
            label=settings.database_label(),
        )
    return SqliteStore(settings.sqlite_path())


def upgrade_schema(settings: Settings) -> list[str]:
    """Apply pending migrations; return the versions applied."""
    store = open_store(settings)
    try:
        return store.upgrade()
    finally:
        store.close()


def schema_status(settings: Settings) -> tuple[int, int]:
    """The applied and latest schema versions."""
    store = open_store(settings)
    try:
        return store.schema_status()
    finally:
        store.close()
