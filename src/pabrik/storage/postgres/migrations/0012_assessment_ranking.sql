-- pabrik PostgreSQL schema, version 12: the consultant's order of an assessment's gaps (issue 17),
-- as {"field_id": rank} pins; every change is also written to assess_audit.
ALTER TABLE assess_assessments ADD COLUMN ranking_json text NOT NULL DEFAULT '{}';
