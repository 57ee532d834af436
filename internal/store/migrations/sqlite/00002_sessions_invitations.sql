-- +goose Up
-- Sign-in sessions, stored server-side: the cookie carries a random secret,
-- the table only its SHA-256.
CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Co-worker invitations (SPEC §4). At most one open invitation per address:
-- an expired one is closed (revoked_at set) before a new one is made.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL, -- normalized: trimmed, lower-case
    company_id  INTEGER NOT NULL REFERENCES companies (id),
    inviter_id  INTEGER NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at  BIGINT
);
CREATE UNIQUE INDEX invitations_one_open ON invitations (email) WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_company ON invitations (company_id);

-- Deployment-wide settings, e.g. the key that signs list cursors: shared by
-- every server process on the database.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
