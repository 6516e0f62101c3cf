-- Background jobs that must run once per period whichever server runs them:
-- a row per job, claimed by moving `until` forward while it has passed.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until BIGINT NOT NULL
);
-- What housekeeping deletes by.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX login_attempts_at ON login_attempts (at);
CREATE INDEX mail_jobs_sent ON mail_jobs (sent_at);
CREATE INDEX notifications_read_created ON notifications (read, created_at);
