-- +goose Up
-- Self-checks, site reviews and their findings (DOMAIN.md §4).
--
-- A self-check answer is one indicator of one inspection, given for one
-- region of the inspected region's subtree; self_check_answers holds the
-- current answer and self_check_revisions every answer ever given (the
-- current one included), so that earlier answers are kept. content is the
-- answer as JSON: narrative and attachment ids, or figures per measure, or
-- not applicable with a reason.
CREATE TABLE self_check_answers (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id  INTEGER     NOT NULL REFERENCES inspections (id),
    indicator_code VARCHAR(32) NOT NULL,
    region_code    VARCHAR(12) NOT NULL REFERENCES regions (code),
    revision       INTEGER     NOT NULL,
    content        TEXT        NOT NULL,
    answered_by    INTEGER     NOT NULL REFERENCES users (id),
    answered_at    DATETIME    NOT NULL
);
CREATE UNIQUE INDEX self_check_answers_once ON self_check_answers (inspection_id, indicator_code, region_code);

CREATE TABLE self_check_revisions (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    answer_id      INTEGER     NOT NULL REFERENCES self_check_answers (id),
    inspection_id  INTEGER     NOT NULL REFERENCES inspections (id),
    indicator_code VARCHAR(32) NOT NULL,
    region_code    VARCHAR(12) NOT NULL,
    revision       INTEGER     NOT NULL,
    content        TEXT        NOT NULL,
    answered_by    INTEGER     NOT NULL REFERENCES users (id),
    answered_at    DATETIME    NOT NULL
);
CREATE UNIQUE INDEX self_check_revisions_once ON self_check_revisions (answer_id, revision);
CREATE INDEX self_check_revisions_inspection ON self_check_revisions (inspection_id, indicator_code, id);

-- The site review of one indicator: a rating (qualitative) or verified
-- figures per measure as JSON (quantitative), and for a veto indicator the
-- reviewer's reason for overriding the one-vote veto.
CREATE TABLE reviews (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id  INTEGER     NOT NULL REFERENCES inspections (id),
    indicator_code VARCHAR(32) NOT NULL,
    rating         VARCHAR(16) NULL,
    measures       TEXT        NOT NULL DEFAULT '{}',
    veto_override  TEXT        NULL,
    revision       INTEGER     NOT NULL,
    reviewed_by    INTEGER     NOT NULL REFERENCES users (id),
    reviewed_at    DATETIME    NOT NULL
);
CREATE UNIQUE INDEX reviews_once ON reviews (inspection_id, indicator_code);

CREATE TABLE findings (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id  INTEGER     NOT NULL REFERENCES inspections (id),
    indicator_code VARCHAR(32) NOT NULL,
    severity       VARCHAR(16) NOT NULL,
    text           TEXT        NOT NULL,
    created_by     INTEGER     NOT NULL REFERENCES users (id),
    created_at     DATETIME    NOT NULL
);
CREATE INDEX findings_inspection ON findings (inspection_id, id);

-- Rectification requirements with their due dates.
CREATE TABLE requirements (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id  INTEGER     NOT NULL REFERENCES inspections (id),
    indicator_code VARCHAR(32) NOT NULL,
    text           TEXT        NOT NULL,
    due_at         DATETIME    NOT NULL,
    created_by     INTEGER     NOT NULL REFERENCES users (id),
    created_at     DATETIME    NOT NULL
);
CREATE INDEX requirements_inspection ON requirements (inspection_id, id);

-- The inspectors assigned to a batch.
CREATE TABLE batch_inspectors (
    batch_id    INTEGER  NOT NULL REFERENCES batches (id),
    user_id     INTEGER  NOT NULL REFERENCES users (id),
    assigned_by INTEGER  NOT NULL REFERENCES users (id),
    assigned_at DATETIME NOT NULL,
    PRIMARY KEY (batch_id, user_id)
);

-- +goose Down
DROP TABLE batch_inspectors;
DROP TABLE requirements;
DROP TABLE findings;
DROP TABLE reviews;
DROP TABLE self_check_revisions;
DROP TABLE self_check_answers;
