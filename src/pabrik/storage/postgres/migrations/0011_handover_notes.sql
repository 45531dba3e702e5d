-- Shift handover notes written at the operator terminal (issue 12), once per device key.
CREATE TABLE handover_notes (
    key text PRIMARY KEY,
    scope_id text NOT NULL,
    shift_key text NOT NULL,
    text text NOT NULL,
    written_by text NOT NULL,
    written_at_ms bigint NOT NULL
);
CREATE INDEX handover_notes_scope ON handover_notes (scope_id, written_at_ms);
