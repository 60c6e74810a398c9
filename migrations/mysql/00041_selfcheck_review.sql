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
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id  BIGINT      NOT NULL,
    indicator_code VARCHAR(32) NOT NULL,
    region_code    VARCHAR(12) NOT NULL,
    revision       INT         NOT NULL,
    content        MEDIUMTEXT  NOT NULL,
    answered_by    BIGINT      NOT NULL,
    answered_at    DATETIME(6) NOT NULL,
    UNIQUE KEY self_check_answers_once (inspection_id, indicator_code, region_code),
    CONSTRAINT self_check_answers_inspection_fk FOREIGN KEY (inspection_id) REFERENCES inspections (id),
    CONSTRAINT self_check_answers_region_fk FOREIGN KEY (region_code) REFERENCES regions (code),
    CONSTRAINT self_check_answers_user_fk FOREIGN KEY (answered_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE self_check_revisions (
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    answer_id      BIGINT      NOT NULL,
    inspection_id  BIGINT      NOT NULL,
    indicator_code VARCHAR(32) NOT NULL,
    region_code    VARCHAR(12) NOT NULL,
    revision       INT         NOT NULL,
    content        MEDIUMTEXT  NOT NULL,
    answered_by    BIGINT      NOT NULL,
    answered_at    DATETIME(6) NOT NULL,
    UNIQUE KEY self_check_revisions_once (answer_id, revision),
    KEY self_check_revisions_inspection (inspection_id, indicator_code, id),
    CONSTRAINT self_check_revisions_answer_fk FOREIGN KEY (answer_id) REFERENCES self_check_answers (id),
    CONSTRAINT self_check_revisions_inspection_fk FOREIGN KEY (inspection_id) REFERENCES inspections (id),
    CONSTRAINT self_check_revisions_user_fk FOREIGN KEY (answered_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The site review of one indicator: a rating (qualitative) or verified
-- figures per measure as JSON (quantitative), and for a veto indicator the
-- reviewer's reason for overriding the one-vote veto.
CREATE TABLE reviews (
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id  BIGINT      NOT NULL,
    indicator_code VARCHAR(32) NOT NULL,
    rating         VARCHAR(16) NULL,
    measures       TEXT        NOT NULL,
    veto_override  TEXT        NULL,
    revision       INT         NOT NULL,
    reviewed_by    BIGINT      NOT NULL,
    reviewed_at    DATETIME(6) NOT NULL,
    UNIQUE KEY reviews_once (inspection_id, indicator_code),
    CONSTRAINT reviews_inspection_fk FOREIGN KEY (inspection_id) REFERENCES inspections (id),
    CONSTRAINT reviews_user_fk FOREIGN KEY (reviewed_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE findings (
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id  BIGINT      NOT NULL,
    indicator_code VARCHAR(32) NOT NULL,
    severity       VARCHAR(16) NOT NULL,
    text           TEXT        NOT NULL,
    created_by     BIGINT      NOT NULL,
    created_at     DATETIME(6) NOT NULL,
    KEY findings_inspection (inspection_id, id),
    CONSTRAINT findings_inspection_fk FOREIGN KEY (inspection_id) REFERENCES inspections (id),
    CONSTRAINT findings_user_fk FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Rectification requirements with their due dates.
CREATE TABLE requirements (
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id  BIGINT      NOT NULL,
    indicator_code VARCHAR(32) NOT NULL,
    text           TEXT        NOT NULL,
    due_at         DATETIME(6) NOT NULL,
    created_by     BIGINT      NOT NULL,
    created_at     DATETIME(6) NOT NULL,
    KEY requirements_inspection (inspection_id, id),
    CONSTRAINT requirements_inspection_fk FOREIGN KEY (inspection_id) REFERENCES inspections (id),
    CONSTRAINT requirements_user_fk FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The inspectors assigned to a batch.
CREATE TABLE batch_inspectors (
    batch_id    BIGINT      NOT NULL,
    user_id     BIGINT      NOT NULL,
    assigned_by BIGINT      NOT NULL,
    assigned_at DATETIME(6) NOT NULL,
    PRIMARY KEY (batch_id, user_id),
    KEY batch_inspectors_user (user_id),
    CONSTRAINT batch_inspectors_batch_fk FOREIGN KEY (batch_id) REFERENCES batches (id),
    CONSTRAINT batch_inspectors_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT batch_inspectors_by_fk FOREIGN KEY (assigned_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE batch_inspectors;
DROP TABLE requirements;
DROP TABLE findings;
DROP TABLE reviews;
DROP TABLE self_check_revisions;
DROP TABLE self_check_answers;
