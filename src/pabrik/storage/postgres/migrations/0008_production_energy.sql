-- pabrik PostgreSQL schema, version 8 (the port of SQLite 0007): energy drawn during production
-- time in the KPI rollups. Energy outside production time, and the scrap share of the rest, is a
-- loss (docs/kpi.md). Rows written before this version hold 0; the engine's configuration
-- fingerprint changed with it (rollup schema 3), so they are rebuilt on first use.
ALTER TABLE kpi_rollup_hour ADD COLUMN energy_run_wh bigint NOT NULL DEFAULT 0;
ALTER TABLE kpi_rollup_minute ADD COLUMN energy_run_wh bigint NOT NULL DEFAULT 0;
