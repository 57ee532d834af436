-- +goose Up
-- Lists sorted by end date ("what expires first"), paged by keyset like the
-- subscription order: every branch of a company's list gets an index in
-- (end date, subscription) order. An entitlement's end date never changes
-- (orders are never changed), so the list index and delegation items carry
-- a copy of it, written with the row.
--
-- The list index is rebuilt without its foreign keys: it is derived data,
-- written only by the store in the transaction that writes the order,
-- entitlement and company it names (none of which is ever deleted), and
-- checked against the rules by the list tests. Its two foreign-key lookups
-- per row cost an import as much as the new index does.
CREATE TABLE entitlement_access_new (
    company_id      INTEGER NOT NULL,
    subscription_id TEXT NOT NULL,
    roles           INTEGER NOT NULL,
    end_date        TEXT NOT NULL,
    PRIMARY KEY (company_id, subscription_id)
) WITHOUT ROWID;
INSERT INTO entitlement_access_new (company_id, subscription_id, roles, end_date)
    SELECT a.company_id, a.subscription_id, a.roles, e.end_date
    FROM entitlement_access a JOIN entitlements e ON e.subscription_id = a.subscription_id;
DROP TABLE entitlement_access;
ALTER TABLE entitlement_access_new RENAME TO entitlement_access;
-- roles (and below delegation_id) ride along: a page is read from the index alone.
CREATE INDEX entitlement_access_end ON entitlement_access (company_id, end_date, subscription_id, roles);

ALTER TABLE delegation_items ADD COLUMN end_date TEXT NOT NULL DEFAULT '';
UPDATE delegation_items SET end_date = (SELECT e.end_date FROM entitlements e WHERE e.subscription_id = delegation_items.subscription_id);
CREATE INDEX delegation_items_delegate_end ON delegation_items (delegate_id, end_date, subscription_id, delegation_id);

-- The vendor's list reads entitlements_end (00006); all-scope delegations
-- read an owner's entitlements.
CREATE INDEX entitlements_owner_end ON entitlements (owner_id, end_date, subscription_id);

-- +goose Down
DROP INDEX entitlements_owner_end;
DROP INDEX delegation_items_delegate_end;
ALTER TABLE delegation_items DROP COLUMN end_date;
CREATE TABLE entitlement_access_old (
    company_id      INTEGER NOT NULL REFERENCES companies (id),
    subscription_id TEXT NOT NULL REFERENCES entitlements (subscription_id),
    roles           INTEGER NOT NULL,
    PRIMARY KEY (company_id, subscription_id)
) WITHOUT ROWID;
INSERT INTO entitlement_access_old (company_id, subscription_id, roles)
    SELECT company_id, subscription_id, roles FROM entitlement_access;
DROP TABLE entitlement_access;
ALTER TABLE entitlement_access_old RENAME TO entitlement_access;
