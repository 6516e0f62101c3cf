-- Planned services (issue 11): the engagements a contract's service level
-- promises each contract year (inspections, standby, training, optimisation
-- reviews, DR drills), generated from the quotas (origin 'plan') or added
-- beyond them (origin 'extra': chargeable, approved by the manager).
-- Every change is audited (audit_log, entity 'engagement') in its transaction.

CREATE TABLE engagements (
    id @PK@,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    project_id BIGINT REFERENCES projects (id),
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    year_index BIGINT NOT NULL,
    year_start TEXT NOT NULL,
    year_end TEXT NOT NULL,
    seq BIGINT NOT NULL,
    units BIGINT NOT NULL DEFAULT 1,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    suggested_date TEXT,
    proposed_date TEXT,
    agreed_date TEXT,
    state TEXT NOT NULL,
    team_id BIGINT,
    engineer_id BIGINT,
    over_quota BIGINT NOT NULL DEFAULT 0,
    approved BIGINT NOT NULL DEFAULT 0,
    approved_by BIGINT,
    report_summary TEXT,
    report_version BIGINT NOT NULL DEFAULT 0,
    report_submitted BIGINT NOT NULL DEFAULT 0,
    customer_confirmed BIGINT NOT NULL DEFAULT 0,
    confirmed_by BIGINT,
    reason TEXT,
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Generation is idempotent: one row per (contract, kind, year, origin, number).
CREATE UNIQUE INDEX engagements_slot ON engagements (contract_id, kind, year_index, origin, seq);
CREATE INDEX engagements_customer ON engagements (customer_id, state);
CREATE INDEX engagements_engineer ON engagements (engineer_id, state);
CREATE INDEX engagements_team ON engagements (team_id, state);
CREATE INDEX engagements_window ON engagements (state, window_end);
