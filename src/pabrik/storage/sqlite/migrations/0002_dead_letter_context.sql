-- pabrik SQLite schema, version 2: dead letters keep what a replay needs.
-- context is JSON text (format, topic, kind, machine, signal...); NULL for older letters.
-- replays counts attempts that still failed, so the page can tell stuck letters apart.
ALTER TABLE dead_letters ADD COLUMN context TEXT;
ALTER TABLE dead_letters ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
CREATE INDEX dead_letters_reason ON dead_letters (reason_code);
