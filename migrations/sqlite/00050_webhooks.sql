-- +goose Up
-- Subscriptions of other systems to ducha's notices (webhooks.go) and the
-- log of each notice's delivery to each subscription.
CREATE TABLE webhooks (
    id          INTEGER       PRIMARY KEY AUTOINCREMENT,
    url         VARCHAR(2048) NOT NULL,
    events      TEXT          NOT NULL,
    region_code VARCHAR(12)   NOT NULL REFERENCES regions (code),
    secret      VARCHAR(256)  NOT NULL,
    created_by  INTEGER       NULL,
    created_at  DATETIME      NOT NULL,
    deleted_at  DATETIME      NULL
);
CREATE INDEX webhooks_region ON webhooks (region_code, deleted_at);

CREATE TABLE webhook_deliveries (
    id              INTEGER      PRIMARY KEY AUTOINCREMENT,
    uid             VARCHAR(36)  NOT NULL UNIQUE,
    webhook_id      INTEGER      NOT NULL REFERENCES webhooks (id),
    event           VARCHAR(32)  NOT NULL,
    region_code     VARCHAR(12)  NOT NULL,
    entity          VARCHAR(32)  NOT NULL,
    entity_id       VARCHAR(64)  NOT NULL,
    body            TEXT         NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    last_status     INTEGER      NULL,
    last_error      TEXT         NOT NULL DEFAULT '',
    last_attempt_at DATETIME     NULL,
    delivered_at    DATETIME     NULL,
    occurred_at     DATETIME     NOT NULL,
    created_at      DATETIME     NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
