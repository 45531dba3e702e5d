-- pabrik SQLite schema, version 24: packed frames for wide polled devices (issue 16).
-- A Modbus poll reads thousands of signals at one instant; one row per value lands each on a
-- different leaf of samples (clustered by machine, signal, ts). A frame holds the good values
-- of one plain read of one machine at one instant, packed as float64 in layout order; any
-- other value (uncertain, bad, marked one by one) is still a row of samples.
CREATE TABLE frame_layouts (
    layout_id INTEGER PRIMARY KEY,
    machine_id TEXT NOT NULL,
    signals TEXT NOT NULL, -- JSON array of signal ids, in value order
    UNIQUE (machine_id, signals)
);

-- The position of each signal in a layout; kept_from_ms is where a per-signal retention cut
-- its values (a value in a frame is not rewritten: it is hidden below the cut).
CREATE TABLE frame_signals (
    machine_id TEXT NOT NULL,
    signal_id TEXT NOT NULL,
    layout_id INTEGER NOT NULL REFERENCES frame_layouts (layout_id),
    idx INTEGER NOT NULL,
    kept_from_ms INTEGER NOT NULL DEFAULT -4611686018427387904,
    PRIMARY KEY (machine_id, layout_id, idx)
) WITHOUT ROWID;
CREATE INDEX frame_signals_signal ON frame_signals (machine_id, signal_id);

-- A rowid table: a frame (about 1 kB for 125 values) is too wide for a WITHOUT ROWID leaf.
-- The natural key makes a frame delivered twice stored once.
CREATE TABLE frames (
    machine_id TEXT NOT NULL,
    layout_id INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    vals BLOB NOT NULL,
    fwd_batch INTEGER NOT NULL DEFAULT 0,
    UNIQUE (machine_id, layout_id, ts_ms, source)
);

-- Every sample, whether a row or a value in a frame: what the readers select from.
-- frame_value(vals, idx) is registered on each of the store's connections. CROSS JOIN fixes
-- the order: a reader names a signal, so its layouts come first, then their frames by time
-- (left to itself the planner scanned every frame of the machine).
CREATE VIEW all_samples AS
SELECT machine_id, signal_id, ts_ms, source, value, quality, fwd_batch FROM samples
UNION ALL
SELECT
    s.machine_id, s.signal_id, f.ts_ms, f.source, frame_value(f.vals, s.idx) AS value,
    'good' AS quality, f.fwd_batch
FROM frame_signals AS s
CROSS JOIN frames AS f ON f.machine_id = s.machine_id AND f.layout_id = s.layout_id
WHERE f.ts_ms >= s.kept_from_ms;

-- The same samples for store-and-forward, which reads by write batch: frames first.
CREATE VIEW forward_samples AS
SELECT machine_id, signal_id, ts_ms, source, value, quality, fwd_batch FROM samples
UNION ALL
SELECT
    s.machine_id, s.signal_id, f.ts_ms, f.source, frame_value(f.vals, s.idx) AS value,
    'good' AS quality, f.fwd_batch
FROM frames AS f
CROSS JOIN frame_signals AS s ON s.machine_id = f.machine_id AND s.layout_id = f.layout_id
WHERE f.ts_ms >= s.kept_from_ms;
