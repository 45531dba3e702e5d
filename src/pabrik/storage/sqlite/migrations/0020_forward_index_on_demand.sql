-- pabrik SQLite schema, version 20: the forward indexes exist only on a forwarding plant (issue 16).
-- The indexes of 0017 cost about a quarter of SQLite ingest on every plant, forwarding or not.
-- Rows keep their fwd_batch (and the clock keeps counting), so the forward order is unchanged;
-- the store creates the indexes when forwarding first reads (SqliteForward._forward_indexes).
DROP INDEX IF EXISTS states_fwd;
DROP INDEX IF EXISTS counts_fwd;
DROP INDEX IF EXISTS samples_fwd;
