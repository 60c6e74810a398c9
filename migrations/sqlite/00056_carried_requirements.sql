-- +goose Up
-- The rectification requirements a carried item brings into the next round:
-- those of its inspection that were not accepted, copied as they stood when
-- the round started (text and due date), with the state of their answer
-- then: none (never answered), answered (awaiting a decision) or rejected.
CREATE TABLE carried_requirements (
    id              INTEGER     PRIMARY KEY AUTOINCREMENT,
    carried_item_id INTEGER     NOT NULL REFERENCES carried_items (id),
    requirement_id  INTEGER     NOT NULL,
    indicator_code  VARCHAR(32) NOT NULL DEFAULT '',
    text            TEXT        NOT NULL,
    due_at          DATETIME    NULL,
    answer_state    VARCHAR(16) NOT NULL,
    reason          TEXT        NOT NULL DEFAULT '',
    created_at      DATETIME    NOT NULL
);
CREATE UNIQUE INDEX carried_requirements_once ON carried_requirements (carried_item_id, requirement_id);

-- +goose Down
DROP TABLE carried_requirements;
