-- The service-request flow: events, their journal, approvals, work records,
-- service reports, attachments, notifications, knowledge, settings.

CREATE TABLE events (
    id @PK@,
    number TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    service_mode TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    site_id BIGINT REFERENCES sites (id),
    project_id BIGINT REFERENCES projects (id),
    asset_id BIGINT REFERENCES assets (id),
    contact_id BIGINT REFERENCES contacts (id),
    title TEXT NOT NULL,
    description TEXT,
    impact TEXT NOT NULL,
    urgency TEXT NOT NULL,
    priority TEXT NOT NULL,
    state TEXT NOT NULL,
    tier TEXT NOT NULL,
    team_id BIGINT,
    assignee_id BIGINT,
    partner_id BIGINT,
    branch_id BIGINT,
    major BIGINT NOT NULL DEFAULT 0,
    contract_id BIGINT,
    entitled BIGINT NOT NULL DEFAULT 0,
    entitlement TEXT,
    flow TEXT NOT NULL,
    awaiting_approver TEXT,
    recorded_by BIGINT NOT NULL,
    routing TEXT,
    documentation TEXT,
    review TEXT,
    resolution TEXT,
    resolved_at BIGINT,
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX events_number ON events (number);
CREATE INDEX events_state ON events (state, created_at);
CREATE INDEX events_assignee ON events (assignee_id, state);
CREATE INDEX events_team ON events (team_id, state);
CREATE INDEX events_partner ON events (partner_id, state);
CREATE INDEX events_customer ON events (customer_id, state);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE event_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE event_journal (
    id @PK@,
    event_id BIGINT NOT NULL REFERENCES events (id),
    seq BIGINT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    detail TEXT,
    changes TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX event_journal_seq ON event_journal (event_id, seq);

CREATE TABLE approvals (
    id @PK@,
    event_id BIGINT NOT NULL REFERENCES events (id),
    purpose TEXT NOT NULL,
    approver TEXT NOT NULL,
    special_case BIGINT NOT NULL,
    requested_by BIGINT NOT NULL,
    note TEXT,
    entitlement TEXT,
    decision TEXT,
    decided_by BIGINT,
    decided_at BIGINT,
    decision_reason TEXT,
    referred BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX approvals_event ON approvals (event_id);
CREATE INDEX approvals_open ON approvals (decision, approver);

CREATE TABLE work_records (
    id @PK@,
    event_id BIGINT NOT NULL REFERENCES events (id),
    kind TEXT NOT NULL,
    internal BIGINT NOT NULL,
    body TEXT,
    author_id BIGINT NOT NULL,
    minutes BIGINT,
    planned_at TEXT,
    arrived_at TEXT,
    departed_at TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX work_records_event ON work_records (event_id);

CREATE TABLE reports (
    id @PK@,
    event_id BIGINT NOT NULL REFERENCES events (id),
    kind TEXT NOT NULL,
    report_version BIGINT NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    author_id BIGINT NOT NULL,
    signer_name TEXT,
    signature TEXT,
    confirm_method TEXT,
    confirmed_at BIGINT,
    confirm_token_hash TEXT,
    confirm_token_expires BIGINT,
    superseded BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reports_version ON reports (event_id, kind, report_version);
CREATE INDEX reports_token ON reports (confirm_token_hash);

CREATE TABLE attachments (
    id @PK@,
    event_id BIGINT NOT NULL REFERENCES events (id),
    file_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    internal BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX attachments_event ON attachments (event_id);

CREATE TABLE notifications (
    id @PK@,
    user_id BIGINT NOT NULL REFERENCES users (id),
    event_id BIGINT REFERENCES events (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    read BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, read);

CREATE TABLE knowledge_articles (
    id @PK@,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    author_id BIGINT NOT NULL,
    event_id BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
