-- +goose Up
-- The tamper-evident audit trail (issue 6): audit events form a hash chain.
-- hash is SHA-256 of the previous event's hash and the event's canonical
-- encoding (internal/store/auditchain.go says exactly how); NULL only for
-- events written before this version, until Open chains them, in id order.
ALTER TABLE audit_events ADD COLUMN hash BLOB;

-- The head of the chain, one row. last_id and last_hash are the last event
-- the head knows (0 and 32 zero bytes: none yet): the trail must still hold
-- that event with that hash, so a cut-off tail shows. Events from
-- gapless_from on are numbered without gaps (each is the last id + 1), so a
-- deleted one shows as a missing number; the ids of older events, written
-- before the chain, may have gaps.
CREATE TABLE audit_chain (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_id      BIGINT NOT NULL,
    last_hash    BLOB NOT NULL,
    gapless_from BIGINT NOT NULL
);
INSERT INTO audit_chain (id, last_id, last_hash, gapless_from)
    SELECT 1, 0, zeroblob(32), COALESCE(MAX(id), 0) + 1 FROM audit_events;
