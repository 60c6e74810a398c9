-- +goose Up
-- The results of an inspection round (results.go): issued documents —
-- feedback letters and bulletins — with their yearly numbers, the regions'
-- answers to the rectification requirements and the reviewers' decisions,
-- the escalations of overdue requirements, and the good practices a
-- bulletin passes on.

-- One number per (kind, year, seq), and one per document: a job that runs
-- twice finds its number taken and reuses it.
CREATE TABLE document_numbers (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind       VARCHAR(16) NOT NULL,
    year       INT         NOT NULL,
    seq        INT         NOT NULL,
    entity_id  BIGINT      NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY document_numbers_seq (kind, year, seq),
    UNIQUE KEY document_numbers_entity (kind, entity_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Issued documents, written once and never updated: content is the JSON of
-- documents.FeedbackLetter or documents.Bulletin, html its rendering.
CREATE TABLE documents (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind        VARCHAR(16)  NOT NULL,
    entity_id   BIGINT       NOT NULL,
    campaign_id BIGINT       NOT NULL,
    batch_id    BIGINT       NOT NULL,
    region_code VARCHAR(12)  NOT NULL,
    number      VARCHAR(64)  NOT NULL,
    year        INT          NOT NULL,
    seq         INT          NOT NULL,
    title       VARCHAR(500) NOT NULL,
    issued_at   DATETIME(6)  NOT NULL,
    content     MEDIUMTEXT   NOT NULL,
    html        MEDIUMTEXT   NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY documents_entity (kind, entity_id),
    UNIQUE KEY documents_seq (kind, year, seq),
    KEY documents_batch (kind, batch_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A region's answer to one rectification requirement, and the decision on it.
CREATE TABLE rectification_answers (
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id  BIGINT      NOT NULL,
    requirement_id BIGINT      NOT NULL,
    narrative      TEXT        NOT NULL,
    attachment_ids TEXT        NOT NULL,
    answered_by    BIGINT      NOT NULL,
    answered_at    DATETIME(6) NOT NULL,
    accepted       BOOLEAN     NULL,
    reason         TEXT        NOT NULL,
    decided_by     BIGINT      NULL,
    decided_at     DATETIME(6) NULL,
    version        INT         NOT NULL DEFAULT 1,
    UNIQUE KEY rectification_answers_requirement (requirement_id),
    KEY rectification_answers_inspection (inspection_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Overdue requirements raised one step up the region tree at a time.
CREATE TABLE rectification_escalations (
    id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id  BIGINT      NOT NULL,
    requirement_id BIGINT      NOT NULL,
    step           INT         NOT NULL,
    from_region    VARCHAR(12) NOT NULL,
    to_region      VARCHAR(12) NOT NULL,
    reason         TEXT        NOT NULL,
    at             DATETIME(6) NOT NULL,
    UNIQUE KEY rectification_escalations_step (requirement_id, step),
    KEY rectification_escalations_inspection (inspection_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Good practices that a batch's bulletin passes on, set before publishing.
CREATE TABLE good_practices (
    batch_id   BIGINT      NOT NULL PRIMARY KEY,
    items      MEDIUMTEXT  NOT NULL,
    updated_by BIGINT      NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE good_practices;
DROP TABLE rectification_escalations;
DROP TABLE rectification_answers;
DROP TABLE documents;
DROP TABLE document_numbers;
