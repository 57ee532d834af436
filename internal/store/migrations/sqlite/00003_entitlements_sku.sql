-- +goose Up
-- The list filter by SKU: without this index a rare SKU made PostgreSQL's
-- planner read all entitlements rather than walk the company's list index.
CREATE INDEX entitlements_sku ON entitlements (sku, subscription_id);

-- +goose Down
DROP INDEX entitlements_sku;
