-- +goose Up
-- The partner directory (companies that chose to be listed, by name) is read
-- on every renewal page: an index of the listed companies only, in the
-- directory's order, so that it never reads every company.
CREATE INDEX companies_listed ON companies (name, key) WHERE listed;

-- +goose Down
DROP INDEX companies_listed;
