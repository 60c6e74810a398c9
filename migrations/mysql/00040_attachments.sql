-- +goose Up
-- The bytes of attachments, stored once per SHA-256 (blobs/ keeps them on
-- disk under that hash); attachments are the uploads that name them.
CREATE TABLE attachment_blobs (
    sha256       CHAR(64)     NOT NULL PRIMARY KEY,
    size         BIGINT       NOT NULL,
    content_type VARCHAR(127) NOT NULL,
    created_at   DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE attachments (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sha256       CHAR(64)     NOT NULL,
    file_name    VARCHAR(255) NOT NULL,
    size         BIGINT       NOT NULL,
    content_type VARCHAR(127) NOT NULL,
    region_code  VARCHAR(12)  NOT NULL,
    uploaded_by  BIGINT       NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    KEY attachments_region (region_code, id),
    KEY attachments_sha256 (sha256),
    CONSTRAINT attachments_blob_fk FOREIGN KEY (sha256) REFERENCES attachment_blobs (sha256),
    CONSTRAINT attachments_region_fk FOREIGN KEY (region_code) REFERENCES regions (code),
    CONSTRAINT attachments_user_fk FOREIGN KEY (uploaded_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE attachments;
DROP TABLE attachment_blobs;
