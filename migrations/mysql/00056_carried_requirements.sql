-- +goose Up
-- The rectification requirements a carried item brings into the next round:
-- those of its inspection that were not accepted, copied as they stood when
-- the round started (text and due date), with the state of their answer
-- then: none (never answered), answered (awaiting a decision) or rejected.
CREATE TABLE carried_requirements (
    id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    carried_item_id BIGINT      NOT NULL,
    requirement_id  BIGINT      NOT NULL,
    indicator_code  VARCHAR(32) NOT NULL DEFAULT '',
    text            TEXT        NOT NULL,
    due_at          DATETIME(6) NULL,
    answer_state    VARCHAR(16) NOT NULL,
    reason          TEXT        NOT NULL,
    created_at      DATETIME(6) NOT NULL,
    UNIQUE KEY carried_requirements_once (carried_item_id, requirement_id),
    CONSTRAINT carried_requirements_item_fk FOREIGN KEY (carried_item_id) REFERENCES carried_items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE carried_requirements;
