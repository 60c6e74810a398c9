-- +goose Up
CREATE TABLE regions (
    code        VARCHAR(12)  NOT NULL PRIMARY KEY,
    parent_code VARCHAR(12)  NOT NULL DEFAULT '',
    name        VARCHAR(128) NOT NULL,
    level       SMALLINT     NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE users (
    id            INTEGER      PRIMARY KEY AUTOINCREMENT,
    username      VARCHAR(64)  NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(32)  NOT NULL,
    region_code   VARCHAR(12)  NOT NULL REFERENCES regions (code),
    token_version INTEGER      NOT NULL DEFAULT 1,
    disabled      BOOLEAN      NOT NULL DEFAULT 0,
    created_by    INTEGER      NULL,
    created_at    DATETIME     NOT NULL,
    updated_at    DATETIME     NOT NULL
);
CREATE INDEX users_region ON users (region_code);

CREATE TABLE settings (
    name  VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT        NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER     PRIMARY KEY AUTOINCREMENT,
    at          DATETIME    NOT NULL,
    actor_id    INTEGER     NULL,
    actor       VARCHAR(64) NOT NULL,
    actor_role  VARCHAR(32) NOT NULL DEFAULT '',
    entity      VARCHAR(32) NOT NULL,
    entity_id   VARCHAR(64) NOT NULL,
    region_code VARCHAR(12) NOT NULL DEFAULT '',
    event       VARCHAR(64) NOT NULL,
    from_state  VARCHAR(32) NOT NULL DEFAULT '',
    to_state    VARCHAR(32) NOT NULL DEFAULT '',
    reason      TEXT        NOT NULL DEFAULT '',
    detail      TEXT        NOT NULL DEFAULT '',
    request_id  VARCHAR(64) NOT NULL DEFAULT ''
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);

CREATE TABLE outbox (
    id          INTEGER     PRIMARY KEY AUTOINCREMENT,
    task_type   VARCHAR(64) NOT NULL,
    payload     TEXT        NOT NULL,
    run_at      DATETIME    NOT NULL,
    created_at  DATETIME    NOT NULL,
    enqueued_at DATETIME    NULL,
    done_at     DATETIME    NULL,
    attempts    INTEGER     NOT NULL DEFAULT 0,
    last_error  TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (done_at, enqueued_at, run_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE audit_log;
DROP TABLE settings;
DROP TABLE users;
DROP TABLE regions;
