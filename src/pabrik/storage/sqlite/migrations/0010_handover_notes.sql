-- Shift handover notes written at the operator terminal (issue 12), once per device key.
CREATE TABLE handover_notes (
    key TEXT PRIMARY KEY,
    scope_id TEXT NOT NULL,
    shift_key TEXT NOT NULL,
    text TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX handover_notes_scope ON handover_notes (scope_id, written_at_ms);
