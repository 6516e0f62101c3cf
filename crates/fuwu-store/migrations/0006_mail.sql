-- The e-mail queue: a row per message, written in the same transaction as the
-- change that caused it, rendered and sent by a worker (`fuwu serve`).
CREATE TABLE mail_jobs (
    id @PK@,
    user_id BIGINT,
    event_id BIGINT,
    to_addr TEXT NOT NULL,
    lang TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    not_before BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_jobs_due ON mail_jobs (state, not_before);
