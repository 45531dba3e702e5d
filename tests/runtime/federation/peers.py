"""Helpers of the federation tests (the peers themselves are bench/peers.py's)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from pabrik.runtime.federation.forward import Forwarder
from pabrik.storage.sqlite.store import SqliteStore


def site_known(pg_url: str, site_id: str = "plant-a") -> bool:
    """Whether the central holds the plant's site document."""
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM group_sites WHERE site_id = %s", (site_id,)
        ).fetchone()
    return bool(row and row[0])


def pending(db: Path) -> int:
    """Rows the plant's forwarder has not delivered yet."""
    store = SqliteStore(db)
    try:
        return Forwarder(store, poster=None).pending()  # type: ignore[arg-type]
    finally:
        store.close()
