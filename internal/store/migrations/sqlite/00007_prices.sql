-- +goose Up
-- The vendor's partner price list: one price per SKU and currency, replaced
-- in place when an import brings another (imports count it as updated).
-- Prices are decimal text, like entitlements.unit_price; updated_at is Unix
-- microseconds. The primary key serves both lookups: one (SKU, currency),
-- and every currency of a SKU.
CREATE TABLE prices (
    sku           TEXT NOT NULL,
    currency      TEXT NOT NULL,
    partner_price TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (sku, currency)
);

-- +goose Down
DROP TABLE prices;
