-- +goose Up
-- The entitlement lifecycle (issue 6): how customers reach a partner, the
-- partner directory, renewal requests and ownership transfers.

-- A company's profile, set by its administrators: how customers reach it
-- ("sold via" shows it next to every entitlement the company sold), and
-- whether it is listed in the directory of partners offered for renewals.
ALTER TABLE companies ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN website TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;

-- A request to renew one entitlement, sent by (a member of) its owner or a
-- delegate to the partner of record, another listed partner, or the vendor
-- (a direct purchase). The recipient sees the entitlement information and
-- the requester's message, never the owner's identity or site (R4).
CREATE TABLE renewal_requests (
    id                   INTEGER PRIMARY KEY,
    subscription_id      TEXT NOT NULL REFERENCES entitlements (subscription_id),
    requester_company_id INTEGER NOT NULL REFERENCES companies (id),
    requested_by         TEXT NOT NULL, -- a user's email, shown to the requester's company only
    route                TEXT NOT NULL, -- partner_of_record, partner or direct
    recipient_company_id INTEGER NOT NULL REFERENCES companies (id),
    message              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL, -- open, quoted, won, lost, withdrawn
    note                 TEXT NOT NULL DEFAULT '', -- the recipient's answer
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    updated_by           TEXT NOT NULL
);
CREATE INDEX renewal_requests_recipient ON renewal_requests (recipient_company_id, id);
CREATE INDEX renewal_requests_requester ON renewal_requests (requester_company_id, id);
CREATE INDEX renewal_requests_subscription ON renewal_requests (subscription_id);

-- Ownership transfers of one entitlement: offered by the owner to another
-- company, accepted or declined by it before expires_at, or cancelled; or
-- made directly by the vendor (status done at once).
CREATE TABLE transfers (
    id              INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES entitlements (subscription_id),
    from_company_id INTEGER NOT NULL REFERENCES companies (id),
    to_company_id   INTEGER NOT NULL REFERENCES companies (id),
    message         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL, -- offered, accepted, declined, cancelled, done (by the vendor)
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    decided_at      BIGINT,
    decided_by      TEXT NOT NULL DEFAULT ''
);
-- At most one open offer per entitlement.
CREATE UNIQUE INDEX transfers_one_open ON transfers (subscription_id) WHERE status = 'offered';
CREATE INDEX transfers_from ON transfers (from_company_id, id);
CREATE INDEX transfers_to ON transfers (to_company_id, id);
