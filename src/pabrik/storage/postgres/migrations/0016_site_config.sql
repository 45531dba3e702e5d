-- The site configuration, versioned (issue 13): every save is a new row with who, when and a
-- note; the document is the canonical YAML, so the diff of two versions is a text diff.
-- restored_from names the version a restore copied (NULL for an ordinary save).
CREATE TABLE site_config_versions (
    tenant_id text NOT NULL,
    version integer NOT NULL,
    document text NOT NULL,
    saved_by text NOT NULL,
    saved_at_ms bigint NOT NULL,
    note text NOT NULL,
    restored_from integer,
    PRIMARY KEY (tenant_id, version)
);
