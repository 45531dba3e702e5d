-- pabrik PostgreSQL schema, version 2 (the port of SQLite 0002): what a replay needs.
-- context holds format, topic, kind, machine, signal...; NULL for older letters.
-- replays counts attempts that still failed, so the page can tell stuck letters apart.
ALTER TABLE dead_letters ADD COLUMN context jsonb;
ALTER TABLE dead_letters ADD COLUMN replays integer NOT NULL DEFAULT 0;
CREATE INDEX dead_letters_reason ON dead_letters (reason_code);
