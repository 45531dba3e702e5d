-- pabrik SQLite schema, version 16: notifications (issue 14). The store is the outbox: an
-- alarm's announced activation writes a notify_events row in the same transaction as its
-- transition; the sender routes each event to subscribers as notify_messages and delivers them
-- with retries. A message id is stable across retries, so a receiver can drop repeats.
CREATE TABLE notify_channels (
    channel_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    secret TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    sample INTEGER NOT NULL DEFAULT 0,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE notify_subscriptions (
    username TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    body_json TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (username, channel_id)
);

CREATE TABLE notify_events (
    event_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    body_json TEXT NOT NULL,
    routed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_events_unrouted ON notify_events (routed, at_ms);

CREATE TABLE notify_messages (
    message_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    language TEXT NOT NULL,
    events_json TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    due_at_ms INTEGER NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at_ms INTEGER
);
CREATE INDEX notify_messages_due ON notify_messages (status, due_at_ms);
CREATE INDEX notify_messages_user ON notify_messages (username, created_at_ms);
