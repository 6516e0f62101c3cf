-- When the SLA sweeper must next look at an event (milliseconds; null: never).
ALTER TABLE events ADD COLUMN next_check_at BIGINT;
CREATE INDEX events_next_check ON events (next_check_at);
