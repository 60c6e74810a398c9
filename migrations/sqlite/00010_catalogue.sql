-- +goose Up
-- The indicator catalogue (DOMAIN.md §3): the notice's two national sets,
-- loaded by Go migration 11, and the sets regions derive from them. A set
-- whose status is 'published' never changes; the store refuses to touch it.
CREATE TABLE indicator_sets (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    code         VARCHAR(64)  NOT NULL UNIQUE,
    kind         VARCHAR(16)  NOT NULL,
    name         VARCHAR(255) NOT NULL,
    name_en      VARCHAR(255) NOT NULL DEFAULT '',
    region_code  VARCHAR(12)  NOT NULL REFERENCES regions (code),
    parent_id    INTEGER      NULL REFERENCES indicator_sets (id),
    status       VARCHAR(16)  NOT NULL,
    version      INTEGER      NOT NULL DEFAULT 1,
    created_at   DATETIME     NOT NULL,
    updated_at   DATETIME     NOT NULL,
    published_at DATETIME     NULL,
    created_by   INTEGER      NULL
);
CREATE INDEX indicator_sets_region ON indicator_sets (region_code, kind);
CREATE INDEX indicator_sets_parent ON indicator_sets (parent_id);

-- One indicator of a set, in the set's order. A row with removed_at set is
-- one of the parent's indicators that the set dropped (with the reason); it
-- is no longer part of the set.
CREATE TABLE set_indicators (
    set_id          INTEGER      NOT NULL REFERENCES indicator_sets (id),
    code            VARCHAR(32)  NOT NULL,
    position        INTEGER      NOT NULL,
    category        VARCHAR(16)  NOT NULL,
    item            VARCHAR(255) NOT NULL,
    item_en         VARCHAR(255) NOT NULL DEFAULT '',
    name            VARCHAR(255) NOT NULL,
    name_en         VARCHAR(255) NOT NULL DEFAULT '',
    explanation     TEXT         NOT NULL,
    level_text      VARCHAR(64)  NOT NULL DEFAULT '',
    level_lowest    VARCHAR(16)  NOT NULL,
    level_highest   VARCHAR(16)  NOT NULL,
    level_and_above BOOLEAN      NOT NULL DEFAULT 0,
    weight          REAL         NOT NULL DEFAULT 1,
    local           BOOLEAN      NOT NULL DEFAULT 0,
    removed_at      DATETIME     NULL,
    removed_reason  TEXT         NOT NULL DEFAULT '',
    removed_by      INTEGER      NULL,
    PRIMARY KEY (set_id, code)
);
CREATE INDEX set_indicators_order ON set_indicators (set_id, position);

-- One rate of a quantitative indicator: numerator / denominator × 100%.
CREATE TABLE indicator_measures (
    set_id         INTEGER      NOT NULL,
    code           VARCHAR(32)  NOT NULL,
    indicator_code VARCHAR(32)  NOT NULL,
    position       INTEGER      NOT NULL,
    name           VARCHAR(255) NOT NULL,
    name_en        VARCHAR(255) NOT NULL DEFAULT '',
    numerator      TEXT         NOT NULL,
    denominator    TEXT         NOT NULL,
    direction      VARCHAR(16)  NOT NULL,
    target         REAL         NULL,
    PRIMARY KEY (set_id, code),
    FOREIGN KEY (set_id, indicator_code) REFERENCES set_indicators (set_id, code)
);
CREATE INDEX indicator_measures_indicator ON indicator_measures (set_id, indicator_code, position);

-- +goose Down
DROP TABLE indicator_measures;
DROP TABLE set_indicators;
DROP TABLE indicator_sets;
