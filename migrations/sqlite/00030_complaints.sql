-- +goose Up
-- Complaint cases of the rights-protection hotline (DOMAIN.md §5).
-- complaints is a stateful table: only store.SetState writes state.
CREATE TABLE complaints (
    id                       INTEGER      PRIMARY KEY AUTOINCREMENT,
    state                    VARCHAR(32)  NOT NULL,
    version                  INTEGER      NOT NULL DEFAULT 1,
    created_by               INTEGER      NULL,
    idempotency_key          VARCHAR(128) NULL,
    body_hash                VARCHAR(64)  NOT NULL DEFAULT '',
    channel                  VARCHAR(16)  NOT NULL,
    category                 VARCHAR(32)  NOT NULL,
    received_at              DATETIME     NOT NULL,
    occurred_region_code     VARCHAR(12)  NOT NULL,
    accused_region_code      VARCHAR(12)  NOT NULL,
    assignee_region_code     VARCHAR(12)  NOT NULL DEFAULT '',
    summary                  VARCHAR(255) NOT NULL,
    details                  TEXT         NOT NULL DEFAULT '',
    complainant_name         VARCHAR(512) NOT NULL DEFAULT '',
    complainant_phone        VARCHAR(512) NOT NULL DEFAULT '',
    finding                  VARCHAR(16)  NOT NULL DEFAULT '',
    action_taken             TEXT         NOT NULL DEFAULT '',
    callback_satisfied       BOOLEAN      NULL,
    callback_note            TEXT         NOT NULL DEFAULT '',
    extension_requested_days INTEGER      NOT NULL DEFAULT 0,
    extension_days           INTEGER      NOT NULL DEFAULT 0,
    pauses                   TEXT         NOT NULL DEFAULT '',
    rules                    TEXT         NOT NULL DEFAULT '',
    assign_started_at        DATETIME     NULL,
    assign_due               DATETIME     NULL,
    assign_done_at           DATETIME     NULL,
    resolve_started_at       DATETIME     NULL,
    resolve_due              DATETIME     NULL,
    resolve_done_at          DATETIME     NULL,
    callback_started_at      DATETIME     NULL,
    callback_due             DATETIME     NULL,
    callback_done_at         DATETIME     NULL,
    current_due              DATETIME     NULL,
    escalation_region_code   VARCHAR(12)  NOT NULL DEFAULT '',
    created_at               DATETIME     NOT NULL,
    updated_at               DATETIME     NOT NULL
);
CREATE UNIQUE INDEX complaints_intake_key ON complaints (created_by, idempotency_key);
CREATE INDEX complaints_accused ON complaints (accused_region_code);
CREATE INDEX complaints_occurred ON complaints (occurred_region_code);
CREATE INDEX complaints_assignee ON complaints (assignee_region_code);
CREATE INDEX complaints_due ON complaints (current_due);
CREATE INDEX complaints_received ON complaints (received_at);

-- One row per escalation; the unique key makes an escalation for a
-- (case, phase, deadline, overdue period) happen once, however many workers
-- race for it.
CREATE TABLE complaint_escalations (
    id               INTEGER     PRIMARY KEY AUTOINCREMENT,
    complaint_id     INTEGER     NOT NULL REFERENCES complaints (id),
    phase            VARCHAR(16) NOT NULL,
    due              DATETIME    NOT NULL,
    period           INTEGER     NOT NULL,
    at               DATETIME    NOT NULL,
    from_region_code VARCHAR(12) NOT NULL,
    to_region_code   VARCHAR(12) NOT NULL,
    why              TEXT        NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX complaint_escalations_once ON complaint_escalations (complaint_id, phase, due, period);

CREATE TABLE complaint_reminders (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER     NOT NULL REFERENCES complaints (id),
    phase        VARCHAR(16) NOT NULL,
    due          DATETIME    NOT NULL,
    at           DATETIME    NOT NULL
);
CREATE UNIQUE INDEX complaint_reminders_once ON complaint_reminders (complaint_id, phase, due);

-- The working-day calendar: public holidays and swapped working days, per year.
CREATE TABLE calendar_days (
    day  VARCHAR(10) NOT NULL PRIMARY KEY,
    year INTEGER     NOT NULL,
    kind VARCHAR(8)  NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days (year);

-- +goose Down
DROP TABLE calendar_days;
DROP TABLE complaint_reminders;
DROP TABLE complaint_escalations;
DROP TABLE complaints;
