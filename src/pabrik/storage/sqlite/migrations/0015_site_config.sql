-- The site configuration, versioned (issue 13): every save is a new row with who, when and a
-- note; the document is the canonical YAML, so the diff of two versions is a text diff.
-- restored_from names the version a restore copied (NULL for an ordinary save).
CREATE TABLE site_config_versions (
    tenant_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at_ms INTEGER NOT NULL,
    note TEXT NOT NULL,
    restored_from INTEGER,
    PRIMARY KEY (tenant_id, version)
) WITHOUT ROWID;
