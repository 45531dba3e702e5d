-- pabrik PostgreSQL schema, version 13 (the port of SQLite 0012): alarms after ISA-18.2
-- (issue 14). One row per alarm (a definition on a machine). body_json holds the state
-- machine's status and the condition's memory; version rises by one on every save, and a save
-- names the version it read, so two ingest workers never record one condition twice.
CREATE TABLE alarm_states (
    alarm_key text PRIMARY KEY,
    definition_id text NOT NULL,
    machine_id text NOT NULL,
    state text NOT NULL,
    priority text NOT NULL,
    position text NOT NULL,
    body_json text NOT NULL,
    version bigint NOT NULL,
    updated_at_ms bigint NOT NULL
);
CREATE INDEX alarm_states_machine ON alarm_states (machine_id, alarm_key);

-- Every transition, with the alarm's identity at that time; (key, version, idx) is unique, so a
-- save that lost its race writes none.
CREATE TABLE alarm_transitions (
    alarm_key text NOT NULL,
    version bigint NOT NULL,
    idx integer NOT NULL,
    definition_id text NOT NULL,
    machine_id text NOT NULL,
    priority text NOT NULL,
    position text NOT NULL,
    at_ms bigint NOT NULL,
    event text NOT NULL,
    before_state text NOT NULL,
    after_state text NOT NULL,
    actor text,
    comment text,
    value double precision,
    occurrence boolean NOT NULL DEFAULT false,
    PRIMARY KEY (alarm_key, version, idx)
);
CREATE INDEX alarm_transitions_at ON alarm_transitions (at_ms);
CREATE INDEX alarm_transitions_machine ON alarm_transitions (machine_id, at_ms);
