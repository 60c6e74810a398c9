-- +goose Up
-- Complaint cases of the rights-protection hotline (DOMAIN.md §5).
-- complaints is a stateful table: only store.SetState writes state.
CREATE TABLE complaints (
    id                       BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    state                    VARCHAR(32)  NOT NULL,
    version                  INT          NOT NULL DEFAULT 1,
    created_by               BIGINT       NULL,
    idempotency_key          VARCHAR(128) NULL,
    body_hash                VARCHAR(64)  NOT NULL DEFAULT '',
    channel                  VARCHAR(16)  NOT NULL,
    category                 VARCHAR(32)  NOT NULL,
    received_at              DATETIME(6)  NOT NULL,
    occurred_region_code     VARCHAR(12)  NOT NULL,
    accused_region_code      VARCHAR(12)  NOT NULL,
    assignee_region_code     VARCHAR(12)  NOT NULL DEFAULT '',
    summary                  VARCHAR(255) NOT NULL,
    details                  TEXT         NOT NULL,
    complainant_name         VARCHAR(512) NOT NULL DEFAULT '',
    complainant_phone        VARCHAR(512) NOT NULL DEFAULT '',
    finding                  VARCHAR(16)  NOT NULL DEFAULT '',
    action_taken             TEXT         NOT NULL,
    callback_satisfied       BOOLEAN      NULL,
    callback_note            TEXT         NOT NULL,
    extension_requested_days INT          NOT NULL DEFAULT 0,
    extension_days           INT          NOT NULL DEFAULT 0,
    pauses                   TEXT         NOT NULL,
    rules                    TEXT         NOT NULL,
    assign_started_at        DATETIME(6)  NULL,
    assign_due               DATETIME(6)  NULL,
    assign_done_at           DATETIME(6)  NULL,
    resolve_started_at       DATETIME(6)  NULL,
    resolve_due              DATETIME(6)  NULL,
    resolve_done_at          DATETIME(6)  NULL,
    callback_started_at      DATETIME(6)  NULL,
    callback_due             DATETIME(6)  NULL,
    callback_done_at         DATETIME(6)  NULL,
    current_due              DATETIME(6)  NULL,
    escalation_region_code   VARCHAR(12)  NOT NULL DEFAULT '',
    created_at               DATETIME(6)  NOT NULL,
    updated_at               DATETIME(6)  NOT NULL,
    UNIQUE KEY complaints_intake_key (created_by, idempotency_key),
    KEY complaints_accused (accused_region_code),
    KEY complaints_occurred (occurred_region_code),
    KEY complaints_assignee (assignee_region_code),
    KEY complaints_due (current_due),
    KEY complaints_received (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per escalation; the unique key makes an escalation for a
-- (case, phase, deadline, overdue period) happen once, however many workers
-- race for it.
CREATE TABLE complaint_escalations (
    id               BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    complaint_id     BIGINT      NOT NULL,
    phase            VARCHAR(16) NOT NULL,
    due              DATETIME(6) NOT NULL,
    period           INT         NOT NULL,
    at               DATETIME(6) NOT NULL,
    from_region_code VARCHAR(12) NOT NULL,
    to_region_code   VARCHAR(12) NOT NULL,
    why              TEXT        NOT NULL,
    UNIQUE KEY complaint_escalations_once (complaint_id, phase, due, period),
    CONSTRAINT complaint_escalations_fk FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE complaint_reminders (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    complaint_id BIGINT      NOT NULL,
    phase        VARCHAR(16) NOT NULL,
    due          DATETIME(6) NOT NULL,
    at           DATETIME(6) NOT NULL,
    UNIQUE KEY complaint_reminders_once (complaint_id, phase, due),
    CONSTRAINT complaint_reminders_fk FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The working-day calendar: public holidays and swapped working days, per year.
CREATE TABLE calendar_days (
    day  VARCHAR(10) NOT NULL PRIMARY KEY,
    year INT         NOT NULL,
    kind VARCHAR(8)  NOT NULL,
    KEY calendar_days_year (year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE calendar_days;
DROP TABLE complaint_reminders;
DROP TABLE complaint_escalations;
DROP TABLE complaints;
