-- `warning` / `breached` while a running SLA clock has passed its warning share
-- or target: the "breaching soon" queue.
ALTER TABLE events ADD COLUMN sla_state TEXT;
CREATE INDEX events_sla_state ON events (sla_state);
