"""PostgreSQL: every watched machine's state in force and since when, in one statement.

The alarm stage reads this once per batch for all machines; reading each machine's last hour
or day of state records instead cost most of the stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pabrik.model.states import StateClass
from pabrik.storage.postgres.batch_copy import floor_ms
from pabrik.storage.sql.base import PgSql
from pabrik.storage.store import StateRun

# Keys are (ts, source) in the order ``states`` returns ties in (the database's collation).
# c: the record in force; low: the last record's instant before %(start)s, below which the
# run is not followed; d: the last record before c of another state; the run began at the
# first record after d (or at low when there is none).
_RUNS = """
SELECT m.machine_id, c.state, c.product_id, n.ts
FROM unnest(%(machines)s::text[]) AS m(machine_id)
JOIN LATERAL (
  SELECT s.ts, s.source, s.state, s.product_id FROM states s
  WHERE s.machine_id = m.machine_id AND s.ts <= %(end)s
    AND (s.ts < %(end)s OR (%(with_end)s AND s.source = (
      SELECT min(e.source) FROM states e WHERE e.machine_id = m.machine_id AND e.ts = %(end)s)))
  ORDER BY s.ts DESC, s.source DESC LIMIT 1
) c ON true
CROSS JOIN LATERAL (
  SELECT coalesce((
    SELECT p.ts FROM states p WHERE p.machine_id = m.machine_id AND p.ts < %(start)s
    ORDER BY p.ts DESC LIMIT 1), %(start)s) AS low
) l
LEFT JOIN LATERAL (
  SELECT s.ts, s.source FROM states s
  WHERE s.machine_id = m.machine_id AND s.ts >= l.low
    AND (s.ts, s.source) < (c.ts, c.source) AND s.state <> c.state
  ORDER BY s.ts DESC, s.source DESC LIMIT 1
) d ON true
JOIN LATERAL (
  SELECT s.ts FROM states s
  WHERE s.machine_id = m.machine_id AND s.ts >= coalesce(d.ts, l.low)
    AND (d.ts IS NULL OR (s.ts, s.source) > (d.ts, d.source))
  ORDER BY s.ts, s.source LIMIT 1
) n ON true
"""


class PgStateRuns(PgSql):
    """``state_runs`` in the same database as the plant records."""

    def state_runs(
        self, machine_ids: Sequence[str], end: datetime, start: datetime, *, with_end: bool = False
    ) -> dict[str, StateRun]:
        """Per machine, its state record in force at ``end`` and since when that state held."""
        if not machine_ids:
            return {}
        params = {
            "machines": list(machine_ids),
            "end": floor_ms(end),
            "start": floor_ms(start),
            "with_end": with_end,
        }
        with self._conn() as conn:
            rows = conn.execute(_RUNS, params).fetchall()
        return {
            str(m): StateRun(StateClass(str(state)), product, since)
            for m, state, product, since in rows
        }
