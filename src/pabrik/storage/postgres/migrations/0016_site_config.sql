-- The site configuration, versioned (issue 13): every save is a new row with who, when and a
-- note; the document is the canonical YAML, so the diff of two versions is a text diff.
-- site_key names the site (one per database today: "site"), since the site document itself
-- names its owning tenant; restored_from is the version a restore copied (NULL otherwise).
CREATE TABLE site_config_versions (
    site_key text NOT NULL,
    version integer NOT NULL,
    document text NOT NULL,
    saved_by text NOT NULL,
    saved_at_ms bigint NOT NULL,
    note text NOT NULL,
    restored_from integer,
    PRIMARY KEY (site_key, version)
);
