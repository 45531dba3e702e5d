-- The site configuration, versioned (issue 13): every save is a new row with who, when and a
-- note; the document is the canonical YAML, so the diff of two versions is a text diff.
-- site_key names the site (one per database today: "site"), since the site document itself
-- names its owning tenant; restored_from is the version a restore copied (NULL otherwise).
CREATE TABLE site_config_versions (
    site_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at_ms INTEGER NOT NULL,
    note TEXT NOT NULL,
    restored_from INTEGER,
    PRIMARY KEY (site_key, version)
) WITHOUT ROWID;
