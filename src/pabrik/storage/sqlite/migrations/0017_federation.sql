-- Store-and-forward from a plant to a central pabrik (issue 15).
-- Plant side: every record row carries the number of the write batch that stored it. The
-- forwarder reads rows in (fwd_batch, key) order behind a cursor kept in checkpoints, so the
-- plant's own tables are the buffer (no second queue). Rows older than this migration get 0.
ALTER TABLE states ADD COLUMN fwd_batch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counts ADD COLUMN fwd_batch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE samples ADD COLUMN fwd_batch INTEGER NOT NULL DEFAULT 0;
CREATE INDEX states_fwd ON states (fwd_batch);
CREATE INDEX counts_fwd ON counts (fwd_batch);
CREATE INDEX samples_fwd ON samples (fwd_batch);

-- The number of the last write batch; a write raises it by one inside its transaction.
CREATE TABLE forward_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    batch INTEGER NOT NULL,
    at_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO forward_clock (id, batch) VALUES (1, 0);

-- Central side: the plants that may forward here, each with its own credential (stored hashed)
-- and its tenant. A revoked plant is refused on its next request.
CREATE TABLE federation_plants (
    plant_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    last_seen_ms INTEGER,
    status_json TEXT
);
CREATE INDEX federation_plants_tenant ON federation_plants (tenant_id, plant_id);

-- Which plant a machine's records come from: the first plant to send a machine owns it, and no
-- plant of another tenant may write it.
CREATE TABLE federation_machines (
    machine_id TEXT PRIMARY KEY,
    plant_id TEXT NOT NULL REFERENCES federation_plants (plant_id)
);
CREATE INDEX federation_machines_plant ON federation_machines (plant_id, machine_id);

-- Dead-letter summaries from the plants (reason and detail, not the payload).
CREATE TABLE federation_dead_letters (
    plant_id TEXT NOT NULL,
    letter_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (plant_id, letter_id)
);

-- One row per accepted batch (its idempotency key): a batch sent again is answered the same.
CREATE TABLE federation_receipts (
    plant_id TEXT NOT NULL,
    batch_key TEXT NOT NULL,
    lane TEXT NOT NULL,
    offered INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (plant_id, batch_key)
);
