-- +goose Up
-- Speed of the whole path (issue 16): every disclosure appends an audit
-- event, and each index of audit_events is one more B-tree page written per
-- event. The four per-company filter indexes of 00018 cost the most (a
-- company's range in each, at a random place): a company's trail filtered
-- by user or object now reads the user's or the object's range over every
-- company (audit_events_actor, audit_events_object) and keeps its own
-- events; by action or dates, its own range (audit_events_company) in event
-- order. An administrator's user and the entitlements it sees are mostly
-- its own company's, so these ranges are about as long as before.
DROP INDEX audit_events_company_actor;
DROP INDEX audit_events_company_action;
DROP INDEX audit_events_company_object;
DROP INDEX audit_events_company_at;

-- +goose Down
CREATE INDEX audit_events_company_actor ON audit_events (company_id, actor, id);
CREATE INDEX audit_events_company_action ON audit_events (company_id, action, id);
CREATE INDEX audit_events_company_object ON audit_events (company_id, object, id);
CREATE INDEX audit_events_company_at ON audit_events (company_id, at);
