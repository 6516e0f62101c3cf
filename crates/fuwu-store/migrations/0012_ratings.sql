-- The customer's rating of the service (1–5 and a comment), once per event,
-- kept with the engineer who held it for the reports.
CREATE TABLE ratings (
    id @PK@,
    event_id BIGINT NOT NULL REFERENCES events (id),
    engineer_id BIGINT,
    rated_by BIGINT NOT NULL,
    score BIGINT NOT NULL,
    comment TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ratings_event ON ratings (event_id);
CREATE INDEX ratings_engineer ON ratings (engineer_id);
