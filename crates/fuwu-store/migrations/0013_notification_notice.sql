-- A notification keeps what it says as a code with parameters (the notice),
-- so it is shown in the reader's language of the moment; `title` stays as the
-- text in the language at the time (older rows have only that).
ALTER TABLE notifications ADD COLUMN notice TEXT;
