-- A token the client chooses for a new event (a form's, or an API client's
-- idempotency key): the same token records the event once.
ALTER TABLE events ADD COLUMN client_token TEXT;
CREATE UNIQUE INDEX events_client_token ON events (client_token);
