-- +goose Up
-- Expiry notices (issue 6): which (entitlement, stage, recipient company)
-- notices have been claimed and sent, shared by every process on the
-- database so that each is sent exactly once (internal/notices explains the
-- protocol). A row is a claim: claim is the token of the run that holds it,
-- claimed_at when it took it (NULL: released after a failed send, free for
-- the next run), sent_at when the digest that listed it was sent.
CREATE TABLE notice_claims (
    subscription_id TEXT NOT NULL REFERENCES entitlements (subscription_id),
    stage           INTEGER NOT NULL, -- days before the end date, e.g. 30
    end_date        TEXT NOT NULL, -- the entitlement's, for pruning the claims of ended ones
    company_id      INTEGER NOT NULL REFERENCES companies (id), -- the recipient
    claim           TEXT NOT NULL,
    claimed_at      BIGINT,
    sent_at         BIGINT,
    attempts        INTEGER NOT NULL DEFAULT 1,
    last_error      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subscription_id, stage, company_id)
) WITHOUT ROWID;

CREATE INDEX notice_claims_end ON notice_claims (end_date);

-- The entitlements ending in a date range (the notices' window), in
-- (end date, subscription) order for keyset paging.
CREATE INDEX entitlements_end ON entitlements (end_date, subscription_id);
