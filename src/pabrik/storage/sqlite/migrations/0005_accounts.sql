-- Accounts, tenants and roles (issue 7). A tenant is a company; every person and API token
-- belongs to one tenant (system admins and programme analysts to none) and has one role.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    registration_no TEXT UNIQUE,
    kbli TEXT,
    province TEXT,
    size TEXT NOT NULL DEFAULT 'medium' CHECK (size IN ('small', 'medium', 'large')),
    sites_json TEXT NOT NULL DEFAULT '[]',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

-- The assessment company 'default' (issue 4) becomes a real tenant.
INSERT INTO tenants (id, name, kbli, province, size, created_at_ms, updated_at_ms)
SELECT tenant_id, name, sector, province, size, created_at_ms, updated_at_ms
FROM assess_companies WHERE id = 'default'
ON CONFLICT (id) DO NOTHING;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL DEFAULT '',
    tenant_id TEXT REFERENCES tenants (id),
    role TEXT NOT NULL CHECK (role IN
        ('company_admin', 'engineer', 'operator', 'assessor', 'analyst', 'system_admin')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id, username);

-- Companies an assessor may verify.
CREATE TABLE assessor_assignments (
    user_id TEXT NOT NULL REFERENCES users (id),
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (user_id, tenant_id)
) WITHOUT ROWID;

-- Server-side sessions; only a hash of the cookie value is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    active_tenant TEXT,
    created_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    last_used_ms INTEGER
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, created_at_ms);

-- One-time password reset tokens (printed by the CLI or shown to an admin once).
CREATE TABLE reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER
) WITHOUT ROWID;

-- Failed logins per key ('user:<name>' whether or not it exists, 'addr:<client>').
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start_ms INTEGER NOT NULL,
    locked_until_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Every change by a person outside the assessment trail (which keeps its own table).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json TEXT,
    at_ms INTEGER NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);

-- Reasons operators give to stops, keyed by the state's natural key. The raw state row is
-- never changed, so ingest stays idempotent; reads apply the override.
CREATE TABLE state_reasons (
    machine_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at_ms INTEGER NOT NULL,
    PRIMARY KEY (machine_id, ts_ms, source)
) WITHOUT ROWID;

-- Assessment results imported from a programme spreadsheet (one row per company and year).
CREATE TABLE programme_results (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    year INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    overall REAL NOT NULL,
    level INTEGER NOT NULL,
    pillars_json TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL,
    imported_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, year, model_id)
) WITHOUT ROWID;
