-- +goose Up
CREATE TABLE regions (
    code        VARCHAR(12)  NOT NULL PRIMARY KEY,
    parent_code VARCHAR(12)  NOT NULL DEFAULT '',
    name        VARCHAR(128) NOT NULL,
    level       SMALLINT     NOT NULL,
    KEY regions_parent (parent_code, code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(64)  NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(32)  NOT NULL,
    region_code   VARCHAR(12)  NOT NULL,
    token_version INT          NOT NULL DEFAULT 1,
    disabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    created_by    BIGINT       NULL,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY users_username (username),
    KEY users_region (region_code),
    CONSTRAINT users_region_fk FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE settings (
    name  VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT        NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
    id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          DATETIME(6) NOT NULL,
    actor_id    BIGINT      NULL,
    actor       VARCHAR(64) NOT NULL,
    actor_role  VARCHAR(32) NOT NULL DEFAULT '',
    entity      VARCHAR(32) NOT NULL,
    entity_id   VARCHAR(64) NOT NULL,
    region_code VARCHAR(12) NOT NULL DEFAULT '',
    event       VARCHAR(64) NOT NULL,
    from_state  VARCHAR(32) NOT NULL DEFAULT '',
    to_state    VARCHAR(32) NOT NULL DEFAULT '',
    reason      TEXT        NOT NULL,
    detail      TEXT        NOT NULL,
    request_id  VARCHAR(64) NOT NULL DEFAULT '',
    KEY audit_entity (entity, entity_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE outbox (
    id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    task_type   VARCHAR(64) NOT NULL,
    payload     MEDIUMTEXT  NOT NULL,
    run_at      DATETIME(6) NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    enqueued_at DATETIME(6) NULL,
    done_at     DATETIME(6) NULL,
    attempts    INT         NOT NULL DEFAULT 0,
    last_error  TEXT        NOT NULL,
    KEY outbox_pending (done_at, enqueued_at, run_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE outbox;
DROP TABLE audit_log;
DROP TABLE settings;
DROP TABLE users;
DROP TABLE regions;
