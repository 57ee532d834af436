-- +goose Up
-- Access requests (issue 14): a company asks for access by a link that
-- names no owner; an administrator of the company that opens it approves
-- (an ordinary delegation, R5) or declines. The link's secret is stored
-- hashed (SHA-256, as invitations and password resets). The company that
-- opened the link is kept for its own lists and mail, never shown to the
-- requester.
CREATE TABLE access_requests (
    id                   INTEGER PRIMARY KEY,
    requester_company_id INTEGER NOT NULL REFERENCES companies (id),
    requested_by         TEXT NOT NULL,
    message              TEXT NOT NULL DEFAULT '',
    days                 INTEGER NOT NULL,
    suggestions          TEXT NOT NULL DEFAULT '', -- subscription IDs, space-separated, as typed
    secret_hash          TEXT NOT NULL UNIQUE,
    status               TEXT NOT NULL, -- open, approved, declined, withdrawn
    created_at           BIGINT NOT NULL,
    expires_at           BIGINT NOT NULL,
    opened_company_id    INTEGER REFERENCES companies (id),
    decider_company_id   INTEGER REFERENCES companies (id),
    decided_by           TEXT NOT NULL DEFAULT '',
    decided_at           BIGINT,
    reason               TEXT NOT NULL DEFAULT '',
    delegation_id        TEXT REFERENCES delegations (id)
);
CREATE INDEX access_requests_requester ON access_requests (requester_company_id, id);
CREATE INDEX access_requests_decider ON access_requests (decider_company_id, id);
CREATE INDEX access_requests_opened ON access_requests (opened_company_id, id);

-- +goose Down
DROP TABLE access_requests;
