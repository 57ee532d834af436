-- +goose Up
-- The language a user reads the portal and its mails in (issue 17): 'en',
-- 'de', or '' for the browser's (Accept-Language).
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
