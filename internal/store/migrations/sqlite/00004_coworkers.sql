-- +goose Up
-- Co-worker administration (issue 5). Invitations may now come from the
-- vendor's operator (the CLI: no inviting user), may make the new user a
-- company administrator, and record how their mail went, so that a company
-- administrator sees a failed delivery and can send the link again.
-- SQLite cannot drop a NOT NULL constraint: the table is rebuilt.
CREATE TABLE invitations_new (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL, -- normalized: trimmed, lower-case
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    inviter_id    INTEGER REFERENCES users (id), -- NULL: the vendor's operator
    admin         BOOLEAN NOT NULL DEFAULT FALSE, -- joins as a company administrator
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    accepted_at   BIGINT,
    revoked_at    BIGINT,
    mail_status   TEXT NOT NULL DEFAULT 'queued', -- queued, sent, retrying, failed
    mail_attempts INTEGER NOT NULL DEFAULT 0,
    mail_error    TEXT NOT NULL DEFAULT '',
    mail_at       BIGINT -- the last delivery attempt
);
-- Invitations made before delivery was recorded were mailed at once.
INSERT INTO invitations_new (id, email, company_id, inviter_id, token_hash, created_at, expires_at, accepted_at, revoked_at, mail_status, mail_attempts, mail_at)
    SELECT id, email, company_id, inviter_id, token_hash, created_at, expires_at, accepted_at, revoked_at, 'sent', 1, created_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE UNIQUE INDEX invitations_one_open ON invitations (email) WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_company ON invitations (company_id);

-- Rate limits (login attempts, invitations), shared by every server process
-- on the database: hits per bucket per fixed window; a limit weighs the
-- previous window's hits with the part of it still inside the sliding window.
-- The bucket is a hash of what is limited (an account, an address, a user).
CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
