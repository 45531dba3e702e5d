-- pabrik SQLite schema, version 18: consented sharing with a programme, and a group's plants
-- on a central (issue 15).

-- Company side: one assessment shared with one programme server (URL + registration token).
-- The share id is also the result's id on the programme server.
CREATE TABLE programme_shares (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    programme_url TEXT NOT NULL,
    token TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sharing', 'shared', 'revoking', 'revoked')),
    shared_by TEXT NOT NULL,
    revoked_by TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX programme_shares_assessment ON programme_shares (tenant_id, assessment_id);

-- The outbox: a share or revoke to deliver, written in the same transaction as the action.
-- The sender marks it done after the programme server confirms (idempotency_key makes a resend
-- harmless).
CREATE TABLE programme_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('share', 'revoke')),
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at_ms INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    done_at_ms INTEGER
);
CREATE INDEX programme_outbox_due ON programme_outbox (done_at_ms, next_at_ms);

-- Programme side: a registration token issued by the programme admin for one company (tenant).
CREATE TABLE programme_registrations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);

-- Programme side: results a company shared (scores, levels, chosen roadmap steps; no machine
-- data), keyed by the company's share id.
CREATE TABLE programme_shared (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    share_id TEXT NOT NULL,
    registration_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    overall REAL NOT NULL,
    level INTEGER NOT NULL,
    pillars_json TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    steps_json TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    assessor TEXT NOT NULL DEFAULT '',
    kbli TEXT,
    province TEXT,
    size TEXT NOT NULL DEFAULT 'medium',
    idempotency_key TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, share_id)
) WITHOUT ROWID;

-- Central side: the site document (hierarchy, cycle times, costs) of each forwarding plant
-- (site_id = federation_plants.plant_id), which the group view measures with the KPI engine.
CREATE TABLE group_sites (
    tenant_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, site_id)
) WITHOUT ROWID;
