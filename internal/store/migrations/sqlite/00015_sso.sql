-- +goose Up
-- Single sign-on with OpenID Connect, per company (issue 13). The client
-- secret is sealed (AES-256-GCM) with the deployment's secret "sso" from the
-- settings table: a copy of this table alone (an export, a log) does not
-- give it away.
CREATE TABLE sso_configs (
    company_id     INTEGER PRIMARY KEY REFERENCES companies (id),
    issuer         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    password_login BOOLEAN NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);
-- A domain is vouched for by one company only.
CREATE TABLE sso_domains (
    domain     TEXT PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES sso_configs (company_id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_company ON sso_domains (company_id);
-- Sign-ins under way at a provider, by the hash of their state: taken
-- (deleted) by the callback, so a replayed state finds nothing.
CREATE TABLE sso_logins (
    state_hash   TEXT PRIMARY KEY,
    binding_hash TEXT NOT NULL,
    company_id   INTEGER NOT NULL REFERENCES companies (id),
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    next         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins (expires_at);

-- +goose Down
DROP TABLE sso_logins;
DROP TABLE sso_domains;
DROP TABLE sso_configs;
