-- +goose Up
-- The schema of entitle. Times are Unix microseconds (BIGINT), calendar dates
-- 'YYYY-MM-DD' text, amounts decimal text: the same on SQLite and PostgreSQL.

CREATE TABLE companies (
    id   INTEGER PRIMARY KEY,
    key  TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);
-- Exactly one company can be the vendor.
CREATE UNIQUE INDEX companies_one_vendor ON companies (kind) WHERE kind = 'vendor';

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE, -- normalized: trimmed, lower-case
    name          TEXT NOT NULL,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL DEFAULT 'active',
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX users_company ON users (company_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token; the token itself is never stored
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE msas (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL
);

CREATE TABLE orders (
    id                   INTEGER PRIMARY KEY,
    purchasing_entity_id INTEGER NOT NULL REFERENCES companies (id),
    po_number            TEXT NOT NULL,
    msa_id               INTEGER NOT NULL REFERENCES msas (id),
    order_date           TEXT NOT NULL,
    currency             TEXT NOT NULL,
    owner_id             INTEGER NOT NULL REFERENCES companies (id),
    bill_to_name         TEXT,
    bill_to_address      TEXT,
    bill_to_country      TEXT,
    site_name            TEXT,
    site_address         TEXT,
    site_country         TEXT,
    UNIQUE (purchasing_entity_id, po_number) -- R3: a PO is looked up among its purchasing entity's own
);

-- Role assignments, the source of truth for R1–R4. position keeps the order
-- in which resellers and installers were listed.
CREATE TABLE order_roles (
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    role       TEXT NOT NULL,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (order_id, role, company_id)
);

-- One entitlement per order line; the line's price is an order detail.
-- po_number, purchasing_entity_id and owner_id repeat the order's so that a
-- list page needs no join.
CREATE TABLE entitlements (
    subscription_id      TEXT PRIMARY KEY,
    order_id             INTEGER NOT NULL REFERENCES orders (id),
    line_no              INTEGER NOT NULL,
    sku                  TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    quantity             BIGINT NOT NULL CHECK (quantity > 0),
    unit_price           TEXT NOT NULL,
    start_date           TEXT NOT NULL,
    end_date             TEXT NOT NULL CHECK (start_date <= end_date),
    po_number            TEXT NOT NULL,
    purchasing_entity_id INTEGER NOT NULL REFERENCES companies (id),
    owner_id             INTEGER NOT NULL REFERENCES companies (id),
    UNIQUE (order_id, line_no)
);
-- All-scope delegations list an owner's entitlements in subscription order.
CREATE INDEX entitlements_owner ON entitlements (owner_id, subscription_id);

-- The list index: which company holds which roles (bit set: 1 purchasing
-- entity, 2 owner, 4 reseller, 8 installer) on the order of each
-- entitlement. Derived from order_roles when an order is written (orders are
-- never changed), so that "the entitlements my company may see" is one range
-- of this key, in subscription order, for keyset paging.
CREATE TABLE entitlement_access (
    company_id      INTEGER NOT NULL REFERENCES companies (id),
    subscription_id TEXT NOT NULL REFERENCES entitlements (subscription_id),
    roles           INTEGER NOT NULL,
    PRIMARY KEY (company_id, subscription_id)
) WITHOUT ROWID;

CREATE TABLE delegations (
    id          TEXT PRIMARY KEY,
    owner_id    INTEGER NOT NULL REFERENCES companies (id),
    delegate_id INTEGER NOT NULL REFERENCES companies (id),
    all_scope   BOOLEAN NOT NULL,
    expires_at  BIGINT,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  BIGINT,
    revoked_by  TEXT
);
CREATE INDEX delegations_delegate ON delegations (delegate_id, owner_id);
CREATE INDEX delegations_owner ON delegations (owner_id);

-- The subscriptions of a listed-scope delegation; delegate_id repeats the
-- delegation's for the list index.
CREATE TABLE delegation_items (
    delegation_id   TEXT NOT NULL REFERENCES delegations (id),
    subscription_id TEXT NOT NULL REFERENCES entitlements (subscription_id),
    delegate_id     INTEGER NOT NULL REFERENCES companies (id),
    PRIMARY KEY (delegation_id, subscription_id)
);
CREATE INDEX delegation_items_delegate ON delegation_items (delegate_id, subscription_id);
CREATE INDEX delegation_items_subscription ON delegation_items (subscription_id);

-- Every disclosure and every change.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,           -- user email, or "cli" for an operator at the console
    company_id INTEGER REFERENCES companies (id), -- the actor's company
    action     TEXT NOT NULL,           -- e.g. entitlement.list, import, user.add
    object     TEXT NOT NULL DEFAULT '',
    basis      TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL,           -- ok, denied, invalid
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_company ON audit_events (company_id, id);
