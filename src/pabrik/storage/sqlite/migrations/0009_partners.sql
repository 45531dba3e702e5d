-- pabrik SQLite schema, version 9: the partner directory and companies' contact requests
-- (issue 17). Tags (practices, skills, KBLI divisions, provinces, languages, plant sizes) are
-- one JSON object: the directory is small and matched in the runtime.
CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    tags_json TEXT NOT NULL DEFAULT '{}',
    sample INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

-- A company's deliberate request to be contacted, with what it chose to share.
CREATE TABLE partner_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    tenant_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    shared_json TEXT NOT NULL DEFAULT '{}',
    at_ms INTEGER NOT NULL
);
CREATE INDEX partner_contacts_tenant ON partner_contacts (tenant_id, id);
