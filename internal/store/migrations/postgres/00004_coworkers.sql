-- +goose Up
-- Co-worker administration (issue 5). Invitations may now come from the
-- vendor's operator (the CLI: no inviting user), may make the new user a
-- company administrator, and record how their mail went, so that a company
-- administrator sees a failed delivery and can send the link again.
ALTER TABLE invitations ALTER COLUMN inviter_id DROP NOT NULL; -- NULL: the vendor's operator
ALTER TABLE invitations ADD COLUMN admin BOOLEAN NOT NULL DEFAULT FALSE; -- joins as a company administrator
-- Invitations made before delivery was recorded were mailed at once.
ALTER TABLE invitations ADD COLUMN mail_status TEXT NOT NULL DEFAULT 'sent'; -- queued, sent, retrying, failed
ALTER TABLE invitations ALTER COLUMN mail_status SET DEFAULT 'queued';
ALTER TABLE invitations ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN mail_error TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN mail_at BIGINT; -- the last delivery attempt
UPDATE invitations SET mail_attempts = 1, mail_at = created_at;

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
