-- +goose Up
-- Webhook secrets are sealed at rest (workflow.Sealer: "v1:" and base64 of
-- nonce, ciphertext and tag): a 256-byte secret takes 382 characters sealed.
-- Rows written before hold the secret plain and are read as is.
ALTER TABLE webhooks MODIFY secret VARCHAR(512) NOT NULL;

-- +goose Down
ALTER TABLE webhooks MODIFY secret VARCHAR(256) NOT NULL;
