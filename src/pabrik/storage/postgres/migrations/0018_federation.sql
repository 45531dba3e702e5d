-- pabrik PostgreSQL schema, version 18 (the port of SQLite 0017): store-and-forward (issue 15).
-- A PostgreSQL pabrik is the central: it receives plants' batches. Plants forward from SQLite,
-- so the record tables need no forward batch number here.

-- The plants that may forward here, each with its own credential (stored hashed) and tenant.
-- A revoked plant is refused on its next request.
CREATE TABLE federation_plants (
    plant_id text PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    secret_hash text NOT NULL,
    created_at_ms bigint NOT NULL,
    revoked_at_ms bigint,
    last_seen_ms bigint,
    status_json text
);
CREATE INDEX federation_plants_tenant ON federation_plants (tenant_id, plant_id);

-- Which plant a machine's records come from: the first plant to send a machine owns it, and no
-- plant of another tenant may write it.
CREATE TABLE federation_machines (
    machine_id text PRIMARY KEY,
    plant_id text NOT NULL REFERENCES federation_plants (plant_id)
);
CREATE INDEX federation_machines_plant ON federation_machines (plant_id, machine_id);

-- Dead-letter summaries from the plants (reason and detail, not the payload).
CREATE TABLE federation_dead_letters (
    plant_id text NOT NULL,
    letter_id bigint NOT NULL,
    source text NOT NULL,
    received_at_ms bigint NOT NULL,
    reason_code text NOT NULL,
    detail text NOT NULL,
    PRIMARY KEY (plant_id, letter_id)
);

-- One row per accepted batch (its idempotency key): a batch sent again is answered the same.
CREATE TABLE federation_receipts (
    plant_id text NOT NULL,
    batch_key text NOT NULL,
    lane text NOT NULL,
    offered integer NOT NULL,
    inserted integer NOT NULL,
    received_at_ms bigint NOT NULL,
    PRIMARY KEY (plant_id, batch_key)
);
