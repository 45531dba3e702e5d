"""Retention on PostgreSQL: drop whole expired partitions, delete the rest in batches."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg import sql

from pabrik.model.records import to_epoch_ms
from pabrik.storage.postgres.partitions import DDL_LOCK, PARTITIONED, expired
from pabrik.storage.store import PurgeResult, RetentionRule

log = logging.getLogger(__name__)

Conn = psycopg.Connection[tuple[Any, ...]]

BATCH = 5000
# Table -> (its time column, the columns that identify a row).
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "states": ("ts", ("machine_id", "ts", "source")),
    "counts": ("ts", ("machine_id", "ts", "source")),
    "samples": ("ts", ("machine_id", "signal_id", "ts", "source")),
    "dead_letters": ("received_at", ("id",)),
    "kpi_rollup_hour": ("start_ms", ("machine_id", "start_ms")),
    "kpi_rollup_minute": ("start_ms", ("machine_id", "start_ms")),
    "kpi_rollup_downtime": ("start_ms", ("machine_id", "start_ms", "state", "reason")),
}


def purge(conn: Conn, rule: RetentionRule, *, dry_run: bool) -> PurgeResult:
    """Apply one rule; a dry run counts what would go and changes nothing."""
    if rule.table not in TABLES:
        raise ValueError(f"no retention for table {rule.table!r}")
    if rule.machine_id is not None or rule.signal_id is not None:
        return _purge_signal(conn, rule, dry_run=dry_run)
    if rule.table not in PARTITIONED:
        rows = _delete(conn, rule.table, rule.table, sql.SQL(""), [], rule, dry_run=dry_run)
        return PurgeResult(rule, rows)
    return _purge_partitions(conn, rule, dry_run=dry_run)


def _purge_signal(conn: Conn, rule: RetentionRule, *, dry_run: bool) -> PurgeResult:
    if rule.table != "samples" or rule.machine_id is None or rule.signal_id is None:
        raise ValueError("a per-signal rule names samples, a machine and a signal")
    where = sql.SQL("machine_id = %s AND signal_id = %s AND ")
    params = [rule.machine_id, rule.signal_id]
    rows = _delete(conn, "samples", "samples", where, params, rule, dry_run=dry_run)
    return PurgeResult(rule, rows)


def _purge_partitions(conn: Conn, rule: RetentionRule, *, dry_run: bool) -> PurgeResult:
    """Drop months wholly before the cut-off; clean the default partition by rows."""
    table = rule.table
    names = tuple(m.partition(table) for m in expired(conn, table, rule.before))
    rows = sum(_size(conn, name) for name in names)
    if not dry_run and names:
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '30s'")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            for name in names:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
                log.info("retention dropped partition %s", name)
    default = f"{table}_default"
    rows += _delete(conn, table, default, sql.SQL(""), [], rule, dry_run=dry_run)
    return PurgeResult(rule, rows, names)


def _size(conn: Conn, name: str) -> int:
    """Rows in a partition: the planner's figure once analysed, else an exact count."""
    row = conn.execute(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", (name,)
    ).fetchone()
    if row is not None and row[0] is not None and int(row[0]) >= 0:
        return int(row[0])
    counted = conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
    ).fetchone()
    return int(counted[0]) if counted else 0


def _delete(
    conn: Conn,
    table: str,
    target: str,
    where: sql.Composable,
    params: list[Any],
    rule: RetentionRule,
    *,
    dry_run: bool,
) -> int:
    """Delete matching rows older than the rule's cut-off, ``BATCH`` per transaction."""
    time_column, keys = TABLES[table]
    # Rollup buckets keep integer epoch milliseconds, as on SQLite.
    before: Any = to_epoch_ms(rule.before) if time_column == "start_ms" else rule.before
    tcol = sql.Identifier(time_column)
    source = sql.Identifier(target)
    condition = sql.Composed([where, tcol, sql.SQL(" < %s")])
    if dry_run:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, condition),
            [*params, before],
        ).fetchone()
        return int(row[0]) if row else 0
    key_list = sql.SQL(", ").join(sql.Identifier(k) for k in keys)
    match = sql.SQL(" AND ").join(sql.SQL("x.{0} = d.{0}").format(sql.Identifier(k)) for k in keys)
    # Deleting through the key keeps each batch on the primary-key index.
    statement = sql.SQL(
        "DELETE FROM {source} AS x USING (SELECT {keys} FROM {source} WHERE {condition}"
        " LIMIT %s) AS d WHERE {match} AND x.{tcol} < %s"
    ).format(source=source, keys=key_list, condition=condition, match=match, tcol=tcol)
    total = 0
    while True:
        with conn.cursor() as cur:
            cur.execute(statement, [*params, before, BATCH, before])
            done = max(cur.rowcount, 0)
        total += done
        if done < BATCH:
            return total
