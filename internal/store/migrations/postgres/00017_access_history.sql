-- +goose Up
-- R8 through time (issue 14): what the record needs to say who could see an
-- entitlement at a past instant. Delegations (created, revoked, expires) and
-- ownership transfers (decided) carry their instants already; what was not
-- recorded is added here.

-- When an order came into the portal; NULL for the orders imported before
-- this migration.
ALTER TABLE orders ADD COLUMN imported_at BIGINT;

-- A listed delegation loses an entitlement when its owner transfers it
-- (the row of delegation_items is deleted): when, and which.
CREATE TABLE delegation_items_dropped (
    delegation_id   TEXT NOT NULL REFERENCES delegations (id),
    subscription_id TEXT NOT NULL REFERENCES entitlements (subscription_id),
    dropped_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, delegation_id, dropped_at)
);

-- An entitlement's transfers, in the order they were decided.
CREATE INDEX transfers_subscription ON transfers (subscription_id, decided_at);

-- From when the history is complete: the instant of this migration on a
-- database that held orders already (their imports and the delegations
-- that transfers took them from were not recorded); no row: always.
CREATE TABLE access_history (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    complete_from BIGINT NOT NULL
);
INSERT INTO access_history (id, complete_from)
SELECT 1, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) WHERE EXISTS (SELECT 1 FROM orders);

-- +goose Down
DROP TABLE access_history;
DROP INDEX transfers_subscription;
DROP TABLE delegation_items_dropped;
ALTER TABLE orders DROP COLUMN imported_at;
