-- +goose Up
-- The words an announcement's link shows (issue 17): "Register for the
-- webinar" rather than the raw address. '' shows "More about <title>".
ALTER TABLE announcements ADD COLUMN link_text TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE announcements DROP COLUMN link_text;
