-- Only events recorded with a token need the index: most have none.
DROP INDEX events_client_token;
CREATE UNIQUE INDEX events_client_token_set ON events (client_token) WHERE client_token IS NOT NULL;
