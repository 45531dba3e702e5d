"""Retention and downsampling: turn the site's ``retention`` section into purge rules and run them.

Raw data goes after ``raw_days`` (per signal when the site says so); KPI rollups, which hold
the long views, go after ``rollup_years``. Call ``enforce_retention`` on a schedule (the
``pabrik db retention`` command from a systemd timer or cron, daily is plenty).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pabrik.model.errors import ConfigError, ConfigIssue
from pabrik.model.site import Plant
from pabrik.runtime.health.ops import StoreGate, wait_or_fail
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.plant.configstore import SiteConfigs
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings
from pabrik.storage.store import PurgeResult, RetentionRule, Store

log = logging.getLogger(__name__)

ROLLUP_TABLES = ("kpi_rollup_hour", "kpi_rollup_minute", "kpi_rollup_downtime")
_YEAR = timedelta(days=365.25)


def retention_rules(plant: Plant, now: datetime) -> list[RetentionRule]:
    """The purge rules the site's retention section asks for at ``now``."""
    policy = plant.retention
    rules: list[RetentionRule] = []
    if policy.raw_days is not None:
        cut = now - timedelta(days=policy.raw_days)
        rules += [RetentionRule("states", cut), RetentionRule("counts", cut)]
    rules += _sample_rules(plant, now)
    if policy.rollup_years is not None:
        cut = now - policy.rollup_years * _YEAR
        rules += [RetentionRule(table, cut) for table in ROLLUP_TABLES]
    if policy.dead_letter_days is not None:
        rules.append(RetentionRule("dead_letters", now - timedelta(days=policy.dead_letter_days)))
    return rules


def _sample_rules(plant: Plant, now: datetime) -> list[RetentionRule]:
    """One table-wide rule at the longest retention, then per-signal rules for shorter ones.

    The table-wide rule is what lets PostgreSQL drop whole months; signals kept for less
    time are deleted row by row on top of it.
    """
    policy = plant.retention
    days_by_pair = {
        (m.id, s.id): policy.signals.get(s.id, policy.raw_days)
        for m in plant.machines()
        for s in m.signals
    }
    rules: list[RetentionRule] = []
    longest = policy.raw_days
    if longest is not None:
        longest = max([longest, *policy.signals.values()])
        rules.append(RetentionRule("samples", now - timedelta(days=longest)))
    for (machine_id, signal_id), days in sorted(days_by_pair.items()):
        if days is not None and (longest is None or days < longest):
            cut = now - timedelta(days=days)
            rules.append(RetentionRule("samples", cut, machine_id, signal_id))
    return rules


def enforce_retention(
    store: Store, plant: Plant, now: datetime, *, dry_run: bool = False
) -> list[PurgeResult]:
    """Apply the site's retention to the store; a dry run reports and changes nothing."""
    results = store.purge(retention_rules(plant, now), dry_run=dry_run)
    for r in results:
        if r.rows or r.partitions:
            log.info(
                "retention %s %s before %s: %d rows%s",
                "would remove" if dry_run else "removed",
                _scope(r.rule),
                r.rule.before.isoformat(),
                r.rows,
                f", partitions {', '.join(r.partitions)}" if r.partitions else "",
            )
    return results


def run_retention(settings: Settings, now: datetime, *, dry_run: bool = False) -> list[PurgeResult]:
    """Open the store named by the settings and apply the site's retention once."""
    store = open_store(settings)
    try:
        wait_or_fail(StoreGate(store, settings.database_label()), settings.db_wait_s)
        current = SiteConfigs(store, utc_now).current()
        if current is not None:
            plant = current.site.plant()
        elif settings.config is not None:
            plant = load_site(settings.config).plant()
        else:
            raise ConfigError("<store>", [ConfigIssue("", "no configuration stored or given")])
        return enforce_retention(store, plant, now, dry_run=dry_run)
    finally:
        store.close()


def _scope(rule: RetentionRule) -> str:
    if rule.signal_id is None:
        return rule.table
    return f"{rule.table} {rule.machine_id}/{rule.signal_id}"


def describe(result: PurgeResult) -> str:
    """One line for a report: what, until when, how much."""
    parts = f" ({len(result.partitions)} partitions)" if result.partitions else ""
    return f"{_scope(result.rule)} before {result.rule.before:%Y-%m-%d %H:%M}: {result.rows}{parts}"
