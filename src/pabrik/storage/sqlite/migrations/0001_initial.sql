-- pabrik SQLite schema, version 1.
-- Natural keys make every write idempotent: a replay after a crash inserts nothing twice.
CREATE TABLE states (
    machine_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    product_id TEXT,
    order_id TEXT,
    PRIMARY KEY (machine_id, ts_ms, source)
) WITHOUT ROWID;

CREATE TABLE counts (
    machine_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    good INTEGER NOT NULL CHECK (good >= 0),
    scrap INTEGER NOT NULL CHECK (scrap >= 0),
    rework INTEGER NOT NULL DEFAULT 0 CHECK (rework >= 0),
    product_id TEXT,
    PRIMARY KEY (machine_id, ts_ms, source)
) WITHOUT ROWID;

CREATE TABLE samples (
    machine_id TEXT NOT NULL,
    signal_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    value REAL NOT NULL,
    quality TEXT NOT NULL,
    PRIMARY KEY (machine_id, signal_id, ts_ms, source)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    detail TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters (received_at_ms);

-- Positions of sources (simulator clock, CSV row...) committed with the data they cover.
CREATE TABLE checkpoints (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
