-- Scrap reasons given at the operator terminal (issue 12), keyed by the count record's natural
-- key like state_reasons: the count row itself stays as ingested.
CREATE TABLE count_reasons (
    machine_id text NOT NULL,
    ts timestamptz NOT NULL,
    source text NOT NULL,
    reason text NOT NULL,
    PRIMARY KEY (machine_id, ts, source)
);
