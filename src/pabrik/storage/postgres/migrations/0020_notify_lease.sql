-- pabrik PostgreSQL schema, version 20 (the port of SQLite 0019): one notification sender per
-- site (issue 14). Several processes may run a sender over one store (two serves, or serve and
-- an ingest worker); only the holder of this lease sends. The holder renews it each pass;
-- another takes it over once it expired.
CREATE TABLE notify_lease (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at_ms bigint NOT NULL,
    renewed_at_ms bigint NOT NULL
);
