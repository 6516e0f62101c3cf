-- Foundation: organisation, customers, contracts, accounts, audit.
-- Portable SQL; @PK@ is the dialect's auto-increment primary key (see dialect.rs).
-- Times are BIGINT milliseconds since the Unix epoch (UTC); dates are TEXT YYYY-MM-DD;
-- lists and nested values are JSON text; booleans are BIGINT 0/1.

CREATE TABLE branches (
    id @PK@,
    name TEXT NOT NULL,
    city_code TEXT NOT NULL,
    covered_city_codes TEXT NOT NULL DEFAULT '[]',
    address TEXT,
    phone TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX branches_name ON branches (name);

CREATE TABLE partners (
    id @PK@,
    name TEXT NOT NULL,
    city_codes TEXT NOT NULL DEFAULT '[]',
    contact_name TEXT,
    phone TEXT,
    email TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX partners_name ON partners (name);

CREATE TABLE customers (
    id @PK@,
    name TEXT NOT NULL,
    short_name TEXT,
    industry TEXT,
    notes TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_name ON customers (name);

CREATE TABLE sites (
    id @PK@,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    name TEXT NOT NULL,
    city_code TEXT NOT NULL,
    address TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sites_customer ON sites (customer_id);

CREATE TABLE contacts (
    id @PK@,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    site_id BIGINT REFERENCES sites (id),
    name TEXT NOT NULL,
    title TEXT,
    phones TEXT NOT NULL DEFAULT '[]',
    emails TEXT NOT NULL DEFAULT '[]',
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id);

-- The caller lookup: one row per normalised phone number of a contact.
CREATE TABLE contact_phones (
    phone TEXT NOT NULL,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (phone, contact_id)
);
CREATE INDEX contact_phones_contact ON contact_phones (contact_id);

CREATE TABLE teams (
    id @PK@,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    branch_id BIGINT REFERENCES branches (id),
    lead_user_id BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (name);

CREATE TABLE users (
    id @PK@,
    login TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    language TEXT NOT NULL DEFAULT 'zh-CN',
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    tier TEXT,
    team_id BIGINT REFERENCES teams (id),
    branch_id BIGINT REFERENCES branches (id),
    partner_id BIGINT REFERENCES partners (id),
    contact_id BIGINT REFERENCES contacts (id),
    skills TEXT NOT NULL DEFAULT '[]',
    active BIGINT NOT NULL DEFAULT 1,
    password_hash TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_login ON users (login);
CREATE INDEX users_team ON users (team_id);

CREATE TABLE projects (
    id @PK@,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    name TEXT NOT NULL,
    code TEXT,
    site_id BIGINT REFERENCES sites (id),
    dedicated_team_id BIGINT REFERENCES teams (id),
    implementation_engineer_id BIGINT REFERENCES users (id),
    partner_id BIGINT REFERENCES partners (id),
    go_live_date TEXT,
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX projects_customer ON projects (customer_id);
CREATE INDEX projects_team ON projects (dedicated_team_id);
CREATE INDEX projects_partner ON projects (partner_id);
CREATE INDEX projects_engineer ON projects (implementation_engineer_id);
CREATE UNIQUE INDEX projects_code ON projects (code);

CREATE TABLE assets (
    id @PK@,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    project_id BIGINT REFERENCES projects (id),
    site_id BIGINT REFERENCES sites (id),
    product_model TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    hardware_version TEXT,
    software_version TEXT,
    config_notes TEXT,
    installed_date TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX assets_serial ON assets (product_model, serial_number);
CREATE INDEX assets_serial_only ON assets (serial_number);
CREATE INDEX assets_customer ON assets (customer_id);

CREATE TABLE service_levels (
    id @PK@,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    coverage TEXT NOT NULL,
    onsite_included BIGINT NOT NULL,
    targets TEXT NOT NULL,
    quotas TEXT NOT NULL,
    calendar TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX service_levels_code ON service_levels (code);

CREATE TABLE contracts (
    id @PK@,
    number TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    service_level_id BIGINT NOT NULL REFERENCES service_levels (id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    covered_project_ids TEXT NOT NULL DEFAULT '[]',
    covered_asset_ids TEXT NOT NULL DEFAULT '[]',
    quota_overrides TEXT NOT NULL DEFAULT '{}',
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX contracts_number ON contracts (number);
CREATE INDEX contracts_customer ON contracts (customer_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id @PK@,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_attempts (
    id @PK@,
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL,
    succeeded BIGINT NOT NULL
);
CREATE INDEX login_attempts_login ON login_attempts (login, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_log (
    id @PK@,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);
