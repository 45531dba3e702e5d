-- pabrik PostgreSQL schema, version 1 (the port of SQLite 0001).
-- Natural keys make every write idempotent: a replay after a crash inserts nothing twice.
-- Time-series tables are range-partitioned by month on ts (UTC); pabrik creates each month's
-- partition before the first write that needs it. The default partition is a safety net for
-- rows whose month could not be created in time; they move out when the month is created.
CREATE TABLE states (
    machine_id text NOT NULL,
    ts timestamptz NOT NULL,
    source text NOT NULL,
    state text NOT NULL,
    reason text,
    product_id text,
    order_id text,
    PRIMARY KEY (machine_id, ts, source)
) PARTITION BY RANGE (ts);
CREATE TABLE states_default PARTITION OF states DEFAULT;

CREATE TABLE counts (
    machine_id text NOT NULL,
    ts timestamptz NOT NULL,
    source text NOT NULL,
    good bigint NOT NULL CHECK (good >= 0),
    scrap bigint NOT NULL CHECK (scrap >= 0),
    rework bigint NOT NULL DEFAULT 0 CHECK (rework >= 0),
    product_id text,
    PRIMARY KEY (machine_id, ts, source)
) PARTITION BY RANGE (ts);
CREATE TABLE counts_default PARTITION OF counts DEFAULT;

CREATE TABLE samples (
    machine_id text NOT NULL,
    signal_id text NOT NULL,
    ts timestamptz NOT NULL,
    source text NOT NULL,
    value double precision NOT NULL,
    quality text NOT NULL,
    PRIMARY KEY (machine_id, signal_id, ts, source)
) PARTITION BY RANGE (ts);
CREATE TABLE samples_default PARTITION OF samples DEFAULT;

CREATE TABLE dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    received_at timestamptz NOT NULL,
    reason_code text NOT NULL,
    detail text NOT NULL,
    payload text NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters (received_at);

-- Positions of sources (simulator clock, CSV row...) committed with the data they cover.
CREATE TABLE checkpoints (
    name text PRIMARY KEY,
    value text NOT NULL
);
