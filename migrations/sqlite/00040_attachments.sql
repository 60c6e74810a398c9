-- +goose Up
-- The bytes of attachments, stored once per SHA-256 (blobs/ keeps them on
-- disk under that hash); attachments are the uploads that name them.
CREATE TABLE attachment_blobs (
    sha256       CHAR(64)     NOT NULL PRIMARY KEY,
    size         BIGINT       NOT NULL,
    content_type VARCHAR(127) NOT NULL,
    created_at   DATETIME     NOT NULL
);

CREATE TABLE attachments (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    sha256       CHAR(64)     NOT NULL REFERENCES attachment_blobs (sha256),
    file_name    VARCHAR(255) NOT NULL,
    size         BIGINT       NOT NULL,
    content_type VARCHAR(127) NOT NULL,
    region_code  VARCHAR(12)  NOT NULL REFERENCES regions (code),
    uploaded_by  INTEGER      NOT NULL REFERENCES users (id),
    created_at   DATETIME     NOT NULL
);
CREATE INDEX attachments_region ON attachments (region_code, id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

-- +goose Down
DROP TABLE attachments;
DROP TABLE attachment_blobs;
