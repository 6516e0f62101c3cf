-- SLA clocks of an event, stored with it (JSON: calendar and clocks).
ALTER TABLE events ADD COLUMN clocks TEXT;
