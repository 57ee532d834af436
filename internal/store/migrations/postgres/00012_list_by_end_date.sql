-- +goose Up
-- Lists sorted by end date ("what expires first"), paged by keyset like the
-- subscription order: every branch of a company's list gets an index in
-- (end date, subscription) order. An entitlement's end date never changes
-- (orders are never changed), so the list index and delegation items carry
-- a copy of it, written with the row.
--
-- The list index loses its foreign keys: it is derived data, written only by
-- the store in the transaction that writes the order, entitlement and
-- company it names (none of which is ever deleted), and checked against the
-- rules by the list tests. Their row-by-row checks were the largest part of
-- a first import's time (BENCHMARKS.md, "Import on PostgreSQL").
ALTER TABLE entitlement_access DROP CONSTRAINT entitlement_access_company_id_fkey;
ALTER TABLE entitlement_access DROP CONSTRAINT entitlement_access_subscription_id_fkey;
ALTER TABLE entitlement_access ADD COLUMN end_date TEXT COLLATE "C";
UPDATE entitlement_access a SET end_date = e.end_date FROM entitlements e WHERE e.subscription_id = a.subscription_id;
ALTER TABLE entitlement_access ALTER COLUMN end_date SET NOT NULL;
-- roles (and below delegation_id) ride along: a page is read from the index alone.
CREATE INDEX entitlement_access_end ON entitlement_access (company_id, end_date, subscription_id) INCLUDE (roles);

ALTER TABLE delegation_items ADD COLUMN end_date TEXT COLLATE "C";
UPDATE delegation_items i SET end_date = e.end_date FROM entitlements e WHERE e.subscription_id = i.subscription_id;
ALTER TABLE delegation_items ALTER COLUMN end_date SET NOT NULL;
CREATE INDEX delegation_items_delegate_end ON delegation_items (delegate_id, end_date, subscription_id) INCLUDE (delegation_id);

-- The vendor's list reads entitlements_end (00006); all-scope delegations
-- read an owner's entitlements.
CREATE INDEX entitlements_owner_end ON entitlements (owner_id, end_date, subscription_id);

-- +goose Down
DROP INDEX entitlements_owner_end;
DROP INDEX delegation_items_delegate_end;
ALTER TABLE delegation_items DROP COLUMN end_date;
DROP INDEX entitlement_access_end;
ALTER TABLE entitlement_access DROP COLUMN end_date;
ALTER TABLE entitlement_access ADD CONSTRAINT entitlement_access_company_id_fkey FOREIGN KEY (company_id) REFERENCES companies (id);
ALTER TABLE entitlement_access ADD CONSTRAINT entitlement_access_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES entitlements (subscription_id);
