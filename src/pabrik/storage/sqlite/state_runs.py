"""SQLite: every watched machine's state in force and since when, in one statement.

The alarm stage reads this once per batch for all machines; reading each machine's last hour
or day of state records instead cost most of the stage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.store import StateRun

# Keys are (ts_ms, source), the primary key's order, which is the order ``states`` returns
# ties in. k: the record in force; c: it, and the instant of the last record before :start,
# below which the run is not followed; d: the last record before it of another state; the
# run began at the first record after d (or at the lower bound when there is none).
# MATERIALIZED, or SQLite inlines each CTE and runs its subqueries once per reference.
_RUNS = """
WITH k AS MATERIALIZED (
  SELECT m.value AS machine_id, coalesce(
      CASE WHEN :with_end THEN (
        SELECT json_array(s.ts_ms, s.source) FROM states s
        WHERE s.machine_id = m.value AND s.ts_ms = :end ORDER BY s.source LIMIT 1) END,
      (SELECT json_array(s.ts_ms, s.source) FROM states s
        WHERE s.machine_id = m.value AND s.ts_ms < :end
        ORDER BY s.ts_ms DESC, s.source DESC LIMIT 1)) AS k
  FROM json_each(:machines) m
),
c AS MATERIALIZED (
  SELECT s.machine_id, s.ts_ms, s.source, s.state, s.product_id, coalesce(
      (SELECT p.ts_ms FROM states p WHERE p.machine_id = s.machine_id AND p.ts_ms < :start
       ORDER BY p.ts_ms DESC LIMIT 1), :start) AS low
  FROM k JOIN states s ON s.machine_id = k.machine_id
    AND s.ts_ms = json_extract(k.k, '$[0]') AND s.source = json_extract(k.k, '$[1]')
  WHERE k.k IS NOT NULL
),
d AS MATERIALIZED (
  SELECT c.*, (
      SELECT json_array(s.ts_ms, s.source) FROM states s
      WHERE s.machine_id = c.machine_id AND s.ts_ms >= c.low
        AND (s.ts_ms, s.source) < (c.ts_ms, c.source) AND s.state != c.state
      ORDER BY s.ts_ms DESC, s.source DESC LIMIT 1) AS d
  FROM c
)
SELECT d.machine_id, d.state, d.product_id, (
    SELECT s.ts_ms FROM states s
    WHERE s.machine_id = d.machine_id
      AND s.ts_ms >= coalesce(json_extract(d.d, '$[0]'), d.low)
      AND (d.d IS NULL
        OR (s.ts_ms, s.source) > (json_extract(d.d, '$[0]'), json_extract(d.d, '$[1]')))
    ORDER BY s.ts_ms, s.source LIMIT 1)
FROM d
"""


class SqliteStateRuns(SqliteSql):
    """``state_runs`` over the per-thread readers of ``SqliteStore``."""

    def state_runs(
        self, machine_ids: Sequence[str], end: datetime, start: datetime, *, with_end: bool = False
    ) -> dict[str, StateRun]:
        """Per machine, its state record in force at ``end`` and since when that state held."""
        if not machine_ids:
            return {}
        params = {
            "machines": json.dumps(list(machine_ids)),
            "end": to_epoch_ms(end),
            "start": to_epoch_ms(start),
            "with_end": with_end,
        }
        rows = self._reader().execute(_RUNS, params).fetchall()
        return {
            str(m): StateRun(StateClass(str(state)), product, from_epoch_ms(int(since)))
            for m, state, product, since in rows
        }
