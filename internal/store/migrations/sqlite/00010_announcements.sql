-- +goose Up
-- Announcements (issue 7): time-boxed notices the vendor posts to every
-- user of the portal (e.g. a webinar with its date and a registration
-- link), shown as a banner from starts_at until ends_at (exclusive), unless
-- ended early (ended_at) or dismissed by the user.
CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '', -- an https URL, or ''
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL CHECK (starts_at < ends_at),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,           -- the vendor user's email
    ended_at   BIGINT,                  -- NULL unless ended before ends_at
    ended_by   TEXT NOT NULL DEFAULT ''
);
-- The banners in force: those not yet over.
CREATE INDEX announcements_ends ON announcements (ends_at);

-- Who dismissed which banner: it no longer shows to that user.
CREATE TABLE announcement_dismissals (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    dismissed_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, announcement_id)
);
