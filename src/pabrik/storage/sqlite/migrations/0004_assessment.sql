-- Readiness assessments (issue 4). Every row carries tenant_id so that accounts and tenants
-- (issue 7) can scope them later; until then everything lives in tenant 'default'.
CREATE TABLE assess_companies (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    sector TEXT,
    province TEXT,
    size TEXT NOT NULL CHECK (size IN ('small', 'medium', 'large')),
    profile_json TEXT NOT NULL DEFAULT '{}',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE assess_assessments (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    model_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('draft', 'self_assessed', 'under_verification', 'verified')),
    targets_json TEXT NOT NULL DEFAULT '{}',
    visit_notes TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES assess_companies (tenant_id, id)
);
CREATE INDEX assess_assessments_company ON assess_assessments (tenant_id, company_id, created_at_ms);

CREATE TABLE assess_answers (
    tenant_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    selected_json TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    attachment_id TEXT,
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, assessment_id, question_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assess_assessments (tenant_id, id)
);

-- An assessor's change to one question's score; the self-assessed score stays in the answer.
CREATE TABLE assess_adjustments (
    tenant_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    original_score INTEGER NOT NULL,
    adjusted_score INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    adjusted_by TEXT NOT NULL,
    adjusted_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, assessment_id, question_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assess_assessments (tenant_id, id)
);

-- Scored snapshots, append-only: an old result keeps its score when a model gets a new version.
CREATE TABLE assess_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    model_version INTEGER NOT NULL,
    basis TEXT NOT NULL CHECK (basis IN ('self_assessed', 'verified', 'rescored')),
    overall_exact TEXT NOT NULL,
    overall REAL NOT NULL,
    level INTEGER NOT NULL,
    result_json TEXT NOT NULL,
    scored_at_ms INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assess_assessments (tenant_id, id)
);
CREATE INDEX assess_results_assessment ON assess_results (tenant_id, assessment_id, id);

CREATE TABLE assess_attachments (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assess_assessments (tenant_id, id)
);

CREATE TABLE assess_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    assessment_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json TEXT,
    at_ms INTEGER NOT NULL
);
CREATE INDEX assess_audit_assessment ON assess_audit (tenant_id, assessment_id, id);
