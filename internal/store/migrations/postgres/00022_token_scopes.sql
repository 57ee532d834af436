-- +goose Up
-- An API token carries scopes, separated by spaces (read, write, import,
-- admin): a ceiling on what it may be used for. Tokens made before scopes
-- could do everything their user can, so they keep all four; their
-- user's role still caps them.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write import admin';

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN scopes;
