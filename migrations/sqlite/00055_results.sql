-- +goose Up
-- The results of an inspection round (results.go): issued documents —
-- feedback letters and bulletins — with their yearly numbers, the regions'
-- answers to the rectification requirements and the reviewers' decisions,
-- the escalations of overdue requirements, and the good practices a
-- bulletin passes on.

-- One number per (kind, year, seq), and one per document: a job that runs
-- twice finds its number taken and reuses it.
CREATE TABLE document_numbers (
    id         INTEGER     PRIMARY KEY AUTOINCREMENT,
    kind       VARCHAR(16) NOT NULL,
    year       INTEGER     NOT NULL,
    seq        INTEGER     NOT NULL,
    entity_id  INTEGER     NOT NULL,
    created_at DATETIME    NOT NULL,
    UNIQUE (kind, year, seq),
    UNIQUE (kind, entity_id)
);

-- Issued documents, written once and never updated: content is the JSON of
-- documents.FeedbackLetter or documents.Bulletin, html its rendering.
CREATE TABLE documents (
    id          INTEGER      PRIMARY KEY AUTOINCREMENT,
    kind        VARCHAR(16)  NOT NULL,
    entity_id   INTEGER      NOT NULL,
    campaign_id INTEGER      NOT NULL,
    batch_id    INTEGER      NOT NULL,
    region_code VARCHAR(12)  NOT NULL,
    number      VARCHAR(64)  NOT NULL,
    year        INTEGER      NOT NULL,
    seq         INTEGER      NOT NULL,
    title       VARCHAR(500) NOT NULL,
    issued_at   DATETIME     NOT NULL,
    content     TEXT         NOT NULL,
    html        TEXT         NOT NULL,
    created_at  DATETIME     NOT NULL,
    UNIQUE (kind, entity_id),
    UNIQUE (kind, year, seq)
);
CREATE INDEX documents_batch ON documents (kind, batch_id, id);

-- A region's answer to one rectification requirement, and the decision on it.
CREATE TABLE rectification_answers (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id  INTEGER     NOT NULL,
    requirement_id INTEGER     NOT NULL UNIQUE,
    narrative      TEXT        NOT NULL,
    attachment_ids TEXT        NOT NULL,
    answered_by    INTEGER     NOT NULL,
    answered_at    DATETIME    NOT NULL,
    accepted       BOOLEAN     NULL,
    reason         TEXT        NOT NULL DEFAULT '',
    decided_by     INTEGER     NULL,
    decided_at     DATETIME    NULL,
    version        INTEGER     NOT NULL DEFAULT 1
);
CREATE INDEX rectification_answers_inspection ON rectification_answers (inspection_id);

-- Overdue requirements raised one step up the region tree at a time.
CREATE TABLE rectification_escalations (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id  INTEGER     NOT NULL,
    requirement_id INTEGER     NOT NULL,
    step           INTEGER     NOT NULL,
    from_region    VARCHAR(12) NOT NULL,
    to_region      VARCHAR(12) NOT NULL,
    reason         TEXT        NOT NULL,
    at             DATETIME    NOT NULL,
    UNIQUE (requirement_id, step)
);
CREATE INDEX rectification_escalations_inspection ON rectification_escalations (inspection_id, id);

-- Good practices that a batch's bulletin passes on, set before publishing.
CREATE TABLE good_practices (
    batch_id   INTEGER  PRIMARY KEY,
    items      TEXT     NOT NULL,
    updated_by INTEGER  NOT NULL,
    updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE good_practices;
DROP TABLE rectification_escalations;
DROP TABLE rectification_answers;
DROP TABLE documents;
DROP TABLE document_numbers;
