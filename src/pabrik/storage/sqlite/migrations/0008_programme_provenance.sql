-- pabrik SQLite schema, version 8: where an imported programme result came from, and the
-- programme admin role (issue 11).
-- imported_by already names who imported it; source_file names the spreadsheet. Rows imported
-- before this version keep an empty file name.
ALTER TABLE programme_results ADD COLUMN source_file TEXT NOT NULL DEFAULT '';

-- The programme admin (imports results) is split from the programme analyst (only views). SQLite
-- cannot change a CHECK constraint, so the users table is rebuilt with the new role allowed.
CREATE TABLE users_v8 (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL DEFAULT '',
    tenant_id TEXT REFERENCES tenants (id),
    role TEXT NOT NULL CHECK (role IN
        ('company_admin', 'engineer', 'operator', 'assessor', 'programme_admin', 'analyst',
         'system_admin')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
INSERT INTO users_v8 (id, username, display_name, tenant_id, role, password_hash, disabled,
                      created_at_ms, updated_at_ms)
SELECT id, username, display_name, tenant_id, role, password_hash, disabled, created_at_ms,
       updated_at_ms
FROM users;
DROP INDEX users_tenant;
DROP TABLE users;
ALTER TABLE users_v8 RENAME TO users;
CREATE INDEX users_tenant ON users (tenant_id, username);
