-- +goose Up
-- The audit spool (SQLite; issue 16, internal/store/auditspool.go): the
-- head row records which spool file (its random generation) and up to which
-- spool id the chain holds its events, in the transaction that moves them,
-- so that each spooled event enters the chain exactly once. PostgreSQL has
-- no spool; the columns keep the two schemas alike.
ALTER TABLE audit_chain ADD COLUMN spool_generation TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_chain ADD COLUMN spool_moved BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE audit_chain DROP COLUMN spool_moved;
ALTER TABLE audit_chain DROP COLUMN spool_generation;
