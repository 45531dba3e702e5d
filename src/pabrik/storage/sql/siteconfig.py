"""The versioned site configuration, once for both backends."""

from __future__ import annotations

from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.siteconfig import ConfigVersionRow
from pabrik.storage.sql.base import SqlBase

_COLUMNS = "version, document, saved_by, saved_at_ms, note, restored_from"


def _row(r: tuple[Any, ...]) -> ConfigVersionRow:
    return ConfigVersionRow(
        int(r[0]), str(r[1]), str(r[2]), from_epoch_ms(int(r[3])), str(r[4]), r[5]
    )


class SqlSiteConfig(SqlBase):
    """Rows of ``site_config_versions``, appended in version order."""

    def config_head(self, site_key: str) -> int:
        """The newest version number of a site configuration (0 when none is stored)."""
        rows = self._rows(
            "SELECT max(version) FROM site_config_versions WHERE site_key = ?", (site_key,)
        )
        return int(rows[0][0] or 0) if rows else 0

    def config_version(self, site_key: str, version: int | None = None) -> ConfigVersionRow | None:
        """One version (the newest without ``version``), or None when there is no such version."""
        if version is None:
            sql = (
                f"SELECT {_COLUMNS} FROM site_config_versions"  # noqa: S608
                " WHERE site_key = ? ORDER BY version DESC LIMIT 1"
            )
            rows = self._rows(sql, (site_key,))
        else:
            sql = (
                f"SELECT {_COLUMNS} FROM site_config_versions"  # noqa: S608
                " WHERE site_key = ? AND version = ?"
            )
            rows = self._rows(sql, (site_key, version))
        return _row(rows[0]) if rows else None

    def config_versions(self, site_key: str) -> list[ConfigVersionRow]:
        """Every version of a site configuration, newest first."""
        sql = (
            f"SELECT {_COLUMNS} FROM site_config_versions"  # noqa: S608
            " WHERE site_key = ? ORDER BY version DESC"
        )
        return [_row(r) for r in self._rows(sql, (site_key,))]

    def add_config_version(self, site_key: str, row: ConfigVersionRow) -> bool:
        """Append a version if its number is the next one; False when another save took it."""
        # Callers number a version head + 1, so the primary key stops a racing twin save.
        sql = (
            "INSERT INTO site_config_versions (site_key, version, document, saved_by,"
            " saved_at_ms, note, restored_from) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (site_key, version) DO NOTHING"
        )
        params = (
            site_key,
            row.version,
            row.document,
            row.saved_by,
            to_epoch_ms(row.saved_at),
            row.note,
            row.restored_from,
        )
        with self._tx() as tx:
            return tx.execute(sql, params) > 0
