-- +goose Up
-- Lists sorted by end date ("what expires first"), paged by keyset like the
-- subscription order: every branch of a company's list gets an index in
-- (end date, subscription) order. An entitlement's end date never changes
-- (orders are never changed), so the list index and delegation items carry
-- a copy of it, written with the row.
ALTER TABLE entitlement_access ADD COLUMN end_date TEXT NOT NULL DEFAULT '';
UPDATE entitlement_access SET end_date = (SELECT e.end_date FROM entitlements e WHERE e.subscription_id = entitlement_access.subscription_id);
CREATE INDEX entitlement_access_end ON entitlement_access (company_id, end_date, subscription_id);

ALTER TABLE delegation_items ADD COLUMN end_date TEXT NOT NULL DEFAULT '';
UPDATE delegation_items SET end_date = (SELECT e.end_date FROM entitlements e WHERE e.subscription_id = delegation_items.subscription_id);
CREATE INDEX delegation_items_delegate_end ON delegation_items (delegate_id, end_date, subscription_id);

-- The vendor's list reads entitlements_end (00006); all-scope delegations
-- read an owner's entitlements.
CREATE INDEX entitlements_owner_end ON entitlements (owner_id, end_date, subscription_id);

-- +goose Down
DROP INDEX entitlements_owner_end;
DROP INDEX delegation_items_delegate_end;
ALTER TABLE delegation_items DROP COLUMN end_date;
DROP INDEX entitlement_access_end;
ALTER TABLE entitlement_access DROP COLUMN end_date;
