-- pabrik SQLite schema, version 12: alarms after ISA-18.2 (issue 14).
-- One row per alarm (a definition on a machine). body_json holds the state machine's status and
-- the condition's memory; version rises by one on every save, and a save names the version it
-- read, so two ingest workers never record one condition twice.
CREATE TABLE alarm_states (
    alarm_key TEXT PRIMARY KEY,
    definition_id TEXT NOT NULL,
    machine_id TEXT NOT NULL,
    state TEXT NOT NULL,
    priority TEXT NOT NULL,
    position TEXT NOT NULL,
    body_json TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX alarm_states_machine ON alarm_states (machine_id, alarm_key);

-- Every transition, with the alarm's identity at that time; (key, version, idx) is unique, so a
-- save that lost its race writes none.
CREATE TABLE alarm_transitions (
    alarm_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    definition_id TEXT NOT NULL,
    machine_id TEXT NOT NULL,
    priority TEXT NOT NULL,
    position TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    event TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state TEXT NOT NULL,
    actor TEXT,
    comment TEXT,
    value REAL,
    occurrence INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (alarm_key, version, idx)
);
CREATE INDEX alarm_transitions_at ON alarm_transitions (at_ms);
CREATE INDEX alarm_transitions_machine ON alarm_transitions (machine_id, at_ms);
