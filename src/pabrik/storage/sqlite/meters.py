"""Cumulative meter readings in SQLite: a window's readings and the good ones that bound it."""

from __future__ import annotations

from datetime import datetime

from pabrik.model.records import SampleRecord, from_epoch_ms, to_epoch_ms
from pabrik.model.states import Quality
from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.sqlite.frames import signal_rows

# The bounds are the last good reading at or before the start and the first at or after
# the end; every reading at a bound's instant is kept, as ``samples`` would return it. The
# reach, repeated outside the subqueries, lets SQLite take the view's rows by their key.
_READINGS = (
    "SELECT ts_ms, source, value, quality FROM {table}"
    " WHERE machine_id = ?1 AND signal_id = ?2 AND ts_ms >= ?3 - ?5 AND ts_ms < ?4 + ?5"
    " AND ts_ms >= coalesce((SELECT max(ts_ms) FROM {table} WHERE machine_id = ?1"
    " AND signal_id = ?2 AND quality <> 'bad' AND ts_ms >= ?3 - ?5 AND ts_ms <= ?3), ?3)"
    " AND (ts_ms < ?4 OR ts_ms <= (SELECT min(ts_ms) FROM {table} WHERE machine_id = ?1"
    " AND signal_id = ?2 AND quality <> 'bad' AND ts_ms >= ?4 AND ts_ms < ?4 + ?5))"
    " ORDER BY ts_ms"
)


class SqliteMeters(SqliteSql):
    """The readings of a cumulative meter that a window's energy depends on."""

    def meter_readings(
        self, machine_id: str, signal_id: str, start: datetime, end: datetime, reach_ms: int
    ) -> list[SampleRecord]:
        """Samples in [start, end), back to and on to the good readings that bound it."""
        args = (machine_id, signal_id, to_epoch_ms(start), to_epoch_ms(end), reach_ms)
        return [
            SampleRecord(r[1], machine_id, signal_id, from_epoch_ms(r[0]), r[2], Quality(r[3]))
            for r in signal_rows(self._reader(), machine_id, signal_id, _READINGS, args)
        ]
