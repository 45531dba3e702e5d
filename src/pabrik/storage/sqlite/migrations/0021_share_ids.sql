-- pabrik SQLite schema, version 21: a programme server remembers every share id it was sent,
-- and when the company withdrew it (issue 15). A delivery of a withdrawn id is refused, so a
-- share delayed in the network cannot arrive after its revoke and stay shared. Both delivery
-- and withdrawal write this row first, which also orders them when they meet.
CREATE TABLE programme_share_ids (
    tenant_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    withdrawn_at_ms INTEGER,
    PRIMARY KEY (tenant_id, share_id)
) WITHOUT ROWID;
