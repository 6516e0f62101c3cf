-- Business calendars and the official days administrators add for new years.

CREATE TABLE holidays (
    id @PK@,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX holidays_date ON holidays (date);

CREATE TABLE calendars (
    id @PK@,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    week TEXT NOT NULL,
    official_holidays BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_name ON calendars (name);
