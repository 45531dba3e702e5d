-- pabrik SQLite schema, version 3: KPI rollups (issue 3).
-- Rollups hold ISO 22400 ELEMENTS per machine and bucket, never percentages, so any window
-- sums them and then divides. Exact fractions are stored as integers in a fixed unit:
-- ideal time in ns, planned scrap in millionths of a unit, scrap cost in sen (1/100 rupiah).
CREATE TABLE kpi_rollup_hour (
    machine_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    pot INTEGER NOT NULL, pdot INTEGER NOT NULL, pbt INTEGER NOT NULL,
    apt INTEGER NOT NULL, aust INTEGER NOT NULL, adet INTEGER NOT NULL,
    adot INTEGER NOT NULL, unknown INTEGER NOT NULL,
    pq INTEGER NOT NULL, gq INTEGER NOT NULL, sq INTEGER NOT NULL, rq INTEGER NOT NULL,
    ideal_ns INTEGER NOT NULL, ideal_good_ns INTEGER NOT NULL, micro_ms INTEGER NOT NULL,
    fe INTEGER NOT NULL, cmt INTEGER NOT NULL, pmt INTEGER NOT NULL, aoet INTEGER NOT NULL,
    psq_micro INTEGER NOT NULL, energy_wh INTEGER NOT NULL, scrap_cost_sen INTEGER NOT NULL,
    order_data INTEGER NOT NULL,
    PRIMARY KEY (machine_id, start_ms)
) WITHOUT ROWID;

CREATE TABLE kpi_rollup_minute (
    machine_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    pot INTEGER NOT NULL, pdot INTEGER NOT NULL, pbt INTEGER NOT NULL,
    apt INTEGER NOT NULL, aust INTEGER NOT NULL, adet INTEGER NOT NULL,
    adot INTEGER NOT NULL, unknown INTEGER NOT NULL,
    pq INTEGER NOT NULL, gq INTEGER NOT NULL, sq INTEGER NOT NULL, rq INTEGER NOT NULL,
    ideal_ns INTEGER NOT NULL, ideal_good_ns INTEGER NOT NULL, micro_ms INTEGER NOT NULL,
    fe INTEGER NOT NULL, cmt INTEGER NOT NULL, pmt INTEGER NOT NULL, aoet INTEGER NOT NULL,
    psq_micro INTEGER NOT NULL, energy_wh INTEGER NOT NULL, scrap_cost_sen INTEGER NOT NULL,
    order_data INTEGER NOT NULL,
    PRIMARY KEY (machine_id, start_ms)
) WITHOUT ROWID;

-- Availability losses of each hour by (state, reason): the Pareto over a year sums these.
CREATE TABLE kpi_rollup_downtime (
    machine_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ms INTEGER NOT NULL,
    PRIMARY KEY (machine_id, start_ms, state, reason)
) WITHOUT ROWID;

-- Hours whose raw records changed after they were rolled up; marked in the write transaction.
CREATE TABLE kpi_rollup_dirty (
    machine_id TEXT NOT NULL,
    hour_ms INTEGER NOT NULL,
    PRIMARY KEY (machine_id, hour_ms)
) WITHOUT ROWID;

-- Per machine: the fingerprint of the configuration the rollups were computed with, and how
-- far around a written record its effect can reach (so the write knows which hours to mark).
CREATE TABLE kpi_rollup_config (
    machine_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    state_margin_ms INTEGER NOT NULL,
    count_margin_ms INTEGER NOT NULL,
    sample_margin_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Bumped by every write that touches a machine: a rollup computed from raw data is saved
-- only when no write came in between (no lost update, also for buckets not yet rolled up).
CREATE TABLE kpi_rollup_seq (
    machine_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
