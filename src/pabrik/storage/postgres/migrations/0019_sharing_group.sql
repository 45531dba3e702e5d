-- pabrik PostgreSQL schema, version 19 (the port of SQLite 0018): consented sharing with a
-- programme, and a group's plants on a central (issue 15).

-- Company side: one assessment shared with one programme server (URL + registration token).
-- The share id is also the result's id on the programme server.
CREATE TABLE programme_shares (
    tenant_id text NOT NULL,
    id text NOT NULL,
    assessment_id text NOT NULL,
    programme_url text NOT NULL,
    token text NOT NULL,
    status text NOT NULL CHECK (status IN ('sharing', 'shared', 'revoking', 'revoked')),
    shared_by text NOT NULL,
    revoked_by text NOT NULL DEFAULT '',
    last_error text NOT NULL DEFAULT '',
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX programme_shares_assessment ON programme_shares (tenant_id, assessment_id);

-- The outbox: a share or revoke to deliver, written in the same transaction as the action.
-- The sender marks it done after the programme server confirms (idempotency_key makes a resend
-- harmless).
CREATE TABLE programme_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL,
    share_id text NOT NULL,
    action text NOT NULL CHECK (action IN ('share', 'revoke')),
    idempotency_key text NOT NULL UNIQUE,
    payload text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_at_ms bigint NOT NULL,
    last_error text NOT NULL DEFAULT '',
    done_at_ms bigint
);
CREATE INDEX programme_outbox_due ON programme_outbox (done_at_ms, next_at_ms);

-- Programme side: a registration token issued by the programme admin for one company (tenant).
CREATE TABLE programme_registrations (
    id text PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES tenants (id),
    token_hash text NOT NULL UNIQUE,
    created_by text NOT NULL,
    created_at_ms bigint NOT NULL,
    revoked_at_ms bigint
);

-- Programme side: results a company shared (scores, levels, chosen roadmap steps; no machine
-- data), keyed by the company's share id.
CREATE TABLE programme_shared (
    tenant_id text NOT NULL REFERENCES tenants (id),
    share_id text NOT NULL,
    registration_id text NOT NULL,
    model_id text NOT NULL,
    year integer NOT NULL,
    overall double precision NOT NULL,
    level integer NOT NULL,
    pillars_json text NOT NULL,
    fields_json text NOT NULL,
    steps_json text NOT NULL,
    verified boolean NOT NULL DEFAULT false,
    assessor text NOT NULL DEFAULT '',
    kbli text,
    province text,
    size text NOT NULL DEFAULT 'medium',
    idempotency_key text NOT NULL,
    received_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant_id, share_id)
);

-- Central side: the site document (hierarchy, cycle times, costs) of each forwarding plant
-- (site_id = federation_plants.plant_id), which the group view measures with the KPI engine.
CREATE TABLE group_sites (
    tenant_id text NOT NULL,
    site_id text NOT NULL,
    name text NOT NULL,
    document text NOT NULL,
    updated_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant_id, site_id)
);
