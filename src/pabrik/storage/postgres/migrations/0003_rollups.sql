-- pabrik PostgreSQL schema, version 3 (the port of SQLite 0003): KPI rollups.
-- Bucket starts stay integer epoch milliseconds, as on SQLite; the Grafana views (0005) add
-- timestamptz columns for dashboards.
-- Rollups hold ISO 22400 ELEMENTS per machine and bucket, never percentages, so any window
-- sums them and then divides. Exact fractions are stored as integers in a fixed unit:
-- ideal time in ns, planned scrap in millionths of a unit, scrap cost in sen (1/100 rupiah).
CREATE TABLE kpi_rollup_hour (
    machine_id text NOT NULL,
    start_ms bigint NOT NULL,
    pot bigint NOT NULL, pdot bigint NOT NULL, pbt bigint NOT NULL,
    apt bigint NOT NULL, aust bigint NOT NULL, adet bigint NOT NULL,
    adot bigint NOT NULL, unknown bigint NOT NULL,
    pq bigint NOT NULL, gq bigint NOT NULL, sq bigint NOT NULL, rq bigint NOT NULL,
    ideal_ns bigint NOT NULL, ideal_good_ns bigint NOT NULL, micro_ms bigint NOT NULL,
    fe bigint NOT NULL, cmt bigint NOT NULL, pmt bigint NOT NULL, aoet bigint NOT NULL,
    psq_micro bigint NOT NULL, energy_wh bigint NOT NULL, scrap_cost_sen bigint NOT NULL,
    order_data bigint NOT NULL,
    PRIMARY KEY (machine_id, start_ms)
);

CREATE TABLE kpi_rollup_minute (
    machine_id text NOT NULL,
    start_ms bigint NOT NULL,
    pot bigint NOT NULL, pdot bigint NOT NULL, pbt bigint NOT NULL,
    apt bigint NOT NULL, aust bigint NOT NULL, adet bigint NOT NULL,
    adot bigint NOT NULL, unknown bigint NOT NULL,
    pq bigint NOT NULL, gq bigint NOT NULL, sq bigint NOT NULL, rq bigint NOT NULL,
    ideal_ns bigint NOT NULL, ideal_good_ns bigint NOT NULL, micro_ms bigint NOT NULL,
    fe bigint NOT NULL, cmt bigint NOT NULL, pmt bigint NOT NULL, aoet bigint NOT NULL,
    psq_micro bigint NOT NULL, energy_wh bigint NOT NULL, scrap_cost_sen bigint NOT NULL,
    order_data bigint NOT NULL,
    PRIMARY KEY (machine_id, start_ms)
);

-- Availability losses of each hour by (state, reason): the Pareto over a year sums these.
CREATE TABLE kpi_rollup_downtime (
    machine_id text NOT NULL,
    start_ms bigint NOT NULL,
    state text NOT NULL,
    reason text NOT NULL DEFAULT '',
    ms bigint NOT NULL,
    PRIMARY KEY (machine_id, start_ms, state, reason)
);

-- Hours whose raw records changed after they were rolled up; marked in the write transaction.
CREATE TABLE kpi_rollup_dirty (
    machine_id text NOT NULL,
    hour_ms bigint NOT NULL,
    PRIMARY KEY (machine_id, hour_ms)
);

-- Per machine: the fingerprint of the configuration the rollups were computed with, and how
-- far around a written record its effect can reach (so the write knows which hours to mark).
CREATE TABLE kpi_rollup_config (
    machine_id text PRIMARY KEY,
    fingerprint text NOT NULL,
    state_margin_ms bigint NOT NULL,
    count_margin_ms bigint NOT NULL,
    sample_margin_ms bigint NOT NULL
);

-- Bumped by every write that touches a machine: a rollup computed from raw data is saved
-- only when no write came in between (no lost update, also for buckets not yet rolled up).
CREATE TABLE kpi_rollup_seq (
    machine_id text PRIMARY KEY,
    seq bigint NOT NULL
);
