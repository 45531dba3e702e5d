-- pabrik SQLite schema, version 23: rollups under continuous writes (issue 16).
-- A dirty hour carries a generation: the machine's write sequence when a write last reached
-- it, or when a recompute claimed it. A recompute saves an hour only if its generation is
-- unchanged, so a write to another hour no longer throws the save away, and a write that
-- lands in the hour during the recompute leaves it dirty.
ALTER TABLE kpi_rollup_dirty ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;

-- The signal the energy KPIs read: a sample of any other signal dirties no rollup.
ALTER TABLE kpi_rollup_config ADD COLUMN energy_signal TEXT;
