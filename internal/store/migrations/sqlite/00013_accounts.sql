-- +goose Up
-- Password resets (a single-use link, valid an hour): the mailed secret
-- is stored only as its SHA-256, like invitation and session secrets.
-- requested_by is the company administrator who sent the link, NULL when
-- the user asked or the operator printed it.
CREATE TABLE password_resets (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    requested_by INTEGER REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- A session says where it was opened from, for its user's list of sessions.
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

-- Personal API tokens expire (NULL: never, as the operator's tokens made
-- before this migration).
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN address;
DROP TABLE password_resets;
