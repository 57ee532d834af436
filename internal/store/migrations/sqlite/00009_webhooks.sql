-- +goose Up
-- Webhooks (issue 6): endpoints the vendor's operator configures for a
-- company, the outbox of events written in the same transaction as the
-- change they describe, and one delivery per (event, endpoint) the
-- receiving company may know of. internal/webhooks explains the protocol.

-- An endpoint of one company. secret signs every delivery (HMAC-SHA256):
-- it must be stored as it is to sign, and is erased when the endpoint is
-- removed. events is "all" or a comma-separated list of event types.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    removed_at BIGINT -- NULL while active
);
CREATE INDEX webhooks_active ON webhooks (company_id) WHERE removed_at IS NULL;

-- The outbox: one row per change, written in the change's transaction while
-- an active endpoint exists. subject is the id of what changed (its meaning
-- depends on type). A row waits here until a dispatcher fans it out (claim,
-- claimed_until: its lease), then stays as long as its deliveries (or is
-- deleted when nobody was to receive it).
CREATE TABLE webhook_events (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    at            BIGINT NOT NULL,
    claim         TEXT NOT NULL DEFAULT '',
    claimed_until BIGINT,
    fanned_out_at BIGINT -- NULL until fanned out
);
CREATE INDEX webhook_events_pending ON webhook_events (id) WHERE fanned_out_at IS NULL;
CREATE INDEX webhook_events_done ON webhook_events (fanned_out_at) WHERE fanned_out_at IS NOT NULL;

-- One delivery of one event to one endpoint: a job claimed like a queue's
-- (claim, claimed_until), tried until a 2xx answer or the last attempt.
-- public_id (random) is what the receiver sees: the payload's id and the
-- Entitle-Delivery header. body is the JSON last sent (or to be sent).
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
    event_id        INTEGER NOT NULL REFERENCES webhook_events (id),
    body            TEXT NOT NULL,
    state           TEXT NOT NULL, -- pending, delivered, failed, cancelled
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim           TEXT NOT NULL DEFAULT '',
    claimed_until   BIGINT,
    last_attempt_at BIGINT,
    last_status     INTEGER NOT NULL DEFAULT 0, -- the last HTTP status, 0 for none
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, state);
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (created_at) WHERE state <> 'pending';
