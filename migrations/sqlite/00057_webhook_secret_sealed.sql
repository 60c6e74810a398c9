-- +goose Up
-- Webhook secrets are sealed at rest (workflow.Sealer), longer than the
-- VARCHAR(256) declared in 00050; SQLite does not enforce the length, so
-- only MySQL widens the column. Kept to number both dialects alike.
SELECT 1;

-- +goose Down
SELECT 1;
