-- +goose Up
-- Subscriptions of other systems to ducha's notices (webhooks.go) and the
-- log of each notice's delivery to each subscription.
CREATE TABLE webhooks (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url         VARCHAR(2048) NOT NULL,
    events      TEXT          NOT NULL,
    region_code VARCHAR(12)   NOT NULL,
    secret      VARCHAR(256)  NOT NULL,
    created_by  BIGINT        NULL,
    created_at  DATETIME(6)   NOT NULL,
    deleted_at  DATETIME(6)   NULL,
    KEY webhooks_region (region_code, deleted_at),
    CONSTRAINT webhooks_region_fk FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhook_deliveries (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uid             VARCHAR(36)  NOT NULL,
    webhook_id      BIGINT       NOT NULL,
    event           VARCHAR(32)  NOT NULL,
    region_code     VARCHAR(12)  NOT NULL,
    entity          VARCHAR(32)  NOT NULL,
    entity_id       VARCHAR(64)  NOT NULL,
    body            MEDIUMTEXT   NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    attempts        INT          NOT NULL DEFAULT 0,
    last_status     INT          NULL,
    last_error      TEXT         NOT NULL,
    last_attempt_at DATETIME(6)  NULL,
    delivered_at    DATETIME(6)  NULL,
    occurred_at     DATETIME(6)  NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    UNIQUE KEY webhook_deliveries_uid (uid),
    KEY webhook_deliveries_webhook (webhook_id, id),
    CONSTRAINT webhook_deliveries_webhook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
