-- Scrap reasons given at the operator terminal (issue 12), keyed by the count record's natural
-- key like state_reasons: the count row itself stays as ingested.
CREATE TABLE count_reasons (
    machine_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (machine_id, ts_ms, source)
) WITHOUT ROWID;
