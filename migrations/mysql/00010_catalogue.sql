-- +goose Up
-- The indicator catalogue (DOMAIN.md §3): the notice's two national sets,
-- loaded by Go migration 11, and the sets regions derive from them. A set
-- whose status is 'published' never changes; the store refuses to touch it.
CREATE TABLE indicator_sets (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code         VARCHAR(64)  NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    name         VARCHAR(255) NOT NULL,
    name_en      VARCHAR(255) NOT NULL DEFAULT '',
    region_code  VARCHAR(12)  NOT NULL,
    parent_id    BIGINT       NULL,
    status       VARCHAR(16)  NOT NULL,
    version      INT          NOT NULL DEFAULT 1,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    published_at DATETIME(6)  NULL,
    created_by   BIGINT       NULL,
    UNIQUE KEY indicator_sets_code (code),
    KEY indicator_sets_region (region_code, kind),
    KEY indicator_sets_parent (parent_id),
    CONSTRAINT indicator_sets_region_fk FOREIGN KEY (region_code) REFERENCES regions (code),
    CONSTRAINT indicator_sets_parent_fk FOREIGN KEY (parent_id) REFERENCES indicator_sets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One indicator of a set, in the set's order. A row with removed_at set is
-- one of the parent's indicators that the set dropped (with the reason); it
-- is no longer part of the set.
CREATE TABLE set_indicators (
    set_id          BIGINT       NOT NULL,
    code            VARCHAR(32)  NOT NULL,
    position        INT          NOT NULL,
    category        VARCHAR(16)  NOT NULL,
    item            VARCHAR(255) NOT NULL,
    item_en         VARCHAR(255) NOT NULL DEFAULT '',
    name            VARCHAR(255) NOT NULL,
    name_en         VARCHAR(255) NOT NULL DEFAULT '',
    explanation     TEXT         NOT NULL,
    level_text      VARCHAR(64)  NOT NULL DEFAULT '',
    level_lowest    VARCHAR(16)  NOT NULL,
    level_highest   VARCHAR(16)  NOT NULL,
    level_and_above BOOLEAN      NOT NULL DEFAULT FALSE,
    weight          DOUBLE       NOT NULL DEFAULT 1,
    local           BOOLEAN      NOT NULL DEFAULT FALSE,
    removed_at      DATETIME(6)  NULL,
    removed_reason  TEXT         NOT NULL,
    removed_by      BIGINT       NULL,
    PRIMARY KEY (set_id, code),
    KEY set_indicators_order (set_id, position),
    CONSTRAINT set_indicators_set_fk FOREIGN KEY (set_id) REFERENCES indicator_sets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One rate of a quantitative indicator: numerator / denominator × 100%.
CREATE TABLE indicator_measures (
    set_id         BIGINT       NOT NULL,
    code           VARCHAR(32)  NOT NULL,
    indicator_code VARCHAR(32)  NOT NULL,
    position       INT          NOT NULL,
    name           VARCHAR(255) NOT NULL,
    name_en        VARCHAR(255) NOT NULL DEFAULT '',
    numerator      TEXT         NOT NULL,
    denominator    TEXT         NOT NULL,
    direction      VARCHAR(16)  NOT NULL,
    target         DOUBLE       NULL,
    PRIMARY KEY (set_id, code),
    KEY indicator_measures_indicator (set_id, indicator_code, position),
    CONSTRAINT indicator_measures_indicator_fk FOREIGN KEY (set_id, indicator_code) REFERENCES set_indicators (set_id, code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE indicator_measures;
DROP TABLE set_indicators;
DROP TABLE indicator_sets;
