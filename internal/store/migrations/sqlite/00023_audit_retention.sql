-- +goose Up
-- Audit retention (issue 15): `entitle audit prune` removes the events up to
-- a cut and records here, one row a prune, the signed checkpoint of the cut
-- (the JSON that `entitle audit checkpoint` prints: last_id, last_hash,
-- events, at, public_key, signature). The newest row is where the chain now
-- begins: verification starts after its event, from its hash and count.
-- Every field that matters is under the signature, so a row altered or
-- forged without the operator's key shows (internal/store/auditprune.go).
-- removed is how many events that prune deleted: for the operator, unsigned.
CREATE TABLE audit_prunes (
    id         INTEGER PRIMARY KEY,
    checkpoint TEXT NOT NULL,
    removed    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE audit_prunes;
