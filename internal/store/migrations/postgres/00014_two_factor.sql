-- +goose Up
-- Two-factor sign-in (issue 13): a user's TOTP key (RFC 6238), sealed with
-- the deployment's "totp" secret (AES-256-GCM, bound to the user's id), so
-- that a copy of this table alone signs nobody in. confirmed_at is NULL
-- while the enrolment waits for its first code; last_step is the last time
-- step a code was accepted for (a code is refused for it or any earlier
-- step: no replay).
CREATE TABLE totp_keys (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id),
    sealed       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT 0
);

-- Ten single-use recovery codes per user with TOTP, stored as SHA-256
-- (they are random, 50 bits each); used_at is set when one is spent.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id),
    hash    TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, hash)
);

-- A sign-in half done: the password was right and the second factor is
-- awaited (purpose 'code'), or the company requires it and the user must
-- enrol first (purpose 'enrol'). The client holds a random secret, this
-- table its SHA-256; short-lived and single-use.
CREATE TABLE login_challenges (
    hash       TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

-- A company's administrators may require two-factor sign-in of its users.
ALTER TABLE companies ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE companies DROP COLUMN require_two_factor;
DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE totp_keys;
