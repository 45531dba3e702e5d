-- pabrik PostgreSQL schema, version 21: a programme server remembers every share id it was
-- sent, and when the company withdrew it (issue 15). A delivery of a withdrawn id is refused,
-- so a share delayed in the network cannot arrive after its revoke and stay shared. Delivery and
-- withdrawal both upsert this row first: its row lock orders a delivery and a withdrawal that
-- meet, whichever comes first.
CREATE TABLE programme_share_ids (
    tenant_id text NOT NULL,
    share_id text NOT NULL,
    withdrawn_at_ms bigint,
    PRIMARY KEY (tenant_id, share_id)
);
