-- +goose Up
-- The ingest API (issue 15): one row per upload to POST /api/v1/imports,
-- so that the ERP can poll a large one (GET /api/v1/imports/{id}) and a
-- retried upload with the same Idempotency-Key answers the first result
-- (the unique key also makes two concurrent retries one import). The
-- import itself is written in one transaction as ever; this row is only
-- its report: progress while it runs (done of total, with a heartbeat the
-- running process renews, so that an import whose process stopped is seen
-- as failed), then its counts or its problems.
CREATE TABLE imports (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    body_sha256     TEXT NOT NULL,
    format          TEXT NOT NULL,
    name            TEXT NOT NULL,
    bytes           BIGINT NOT NULL,
    dry_run         BOOLEAN NOT NULL,
    status          TEXT NOT NULL,
    records         BIGINT NOT NULL DEFAULT 0,
    done            BIGINT NOT NULL DEFAULT 0,
    total           BIGINT NOT NULL DEFAULT 0,
    result          TEXT NOT NULL DEFAULT '',
    problems        TEXT NOT NULL DEFAULT '',
    problem_count   BIGINT NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    requested_by    TEXT NOT NULL,
    company         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    heartbeat_at    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE imports;
