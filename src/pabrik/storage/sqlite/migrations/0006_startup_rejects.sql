-- pabrik SQLite schema, version 6: start-up scrap in the KPI rollups (reduced yield).
-- Scrap made inside a start-up window after a changeover or planned stop, and its ideal time
-- in ns. Rows written before this version hold 0; the engine's configuration fingerprint
-- changed with it (rollup schema 2), so those rows are dropped and rebuilt on first use.
ALTER TABLE kpi_rollup_hour ADD COLUMN sq_startup INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_rollup_hour ADD COLUMN ideal_startup_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_rollup_minute ADD COLUMN sq_startup INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_rollup_minute ADD COLUMN ideal_startup_ns INTEGER NOT NULL DEFAULT 0;
