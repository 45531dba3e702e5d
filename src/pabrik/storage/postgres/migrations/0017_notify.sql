-- pabrik PostgreSQL schema, version 17 (the port of SQLite 0016): notifications (issue 14). The store is the outbox: an
-- alarm's announced activation writes a notify_events row in the same transaction as its
-- transition; the sender routes each event to subscribers as notify_messages and delivers them
-- with retries. A message id is stable across retries, so a receiver can drop repeats.
CREATE TABLE notify_channels (
    channel_id text PRIMARY KEY,
    kind text NOT NULL,
    name text NOT NULL,
    settings_json text NOT NULL,
    secret text NOT NULL DEFAULT '',
    enabled boolean NOT NULL DEFAULT true,
    sample boolean NOT NULL DEFAULT false,
    updated_at_ms bigint NOT NULL
);

CREATE TABLE notify_subscriptions (
    username text NOT NULL,
    channel_id text NOT NULL,
    address text NOT NULL DEFAULT '',
    body_json text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    updated_at_ms bigint NOT NULL,
    PRIMARY KEY (username, channel_id)
);

CREATE TABLE notify_events (
    event_id text PRIMARY KEY,
    kind text NOT NULL,
    at_ms bigint NOT NULL,
    body_json text NOT NULL,
    routed boolean NOT NULL DEFAULT false
);
CREATE INDEX notify_events_unrouted ON notify_events (routed, at_ms);

CREATE TABLE notify_messages (
    message_id text PRIMARY KEY,
    username text NOT NULL,
    channel_id text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    language text NOT NULL,
    events_json text NOT NULL,
    created_at_ms bigint NOT NULL,
    due_at_ms bigint NOT NULL,
    tries bigint NOT NULL DEFAULT 0,
    last_error text,
    sent_at_ms bigint
);
CREATE INDEX notify_messages_due ON notify_messages (status, due_at_ms);
CREATE INDEX notify_messages_user ON notify_messages (username, created_at_ms);
