-- pabrik SQLite schema, version 19: one notification sender per site (issue 14). Several
-- processes may run a sender over one store (serve and an ingest worker); only the holder of
-- this lease sends. The holder renews it each pass; another takes it over once it expired.
CREATE TABLE notify_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    renewed_at_ms INTEGER NOT NULL
);
