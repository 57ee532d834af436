-- +goose Up
-- My orders (issue 14 part 3): a purchasing entity's orders newest first,
-- and the vendor's over every company, as one index range each in
-- (order date, id) order for keyset paging.
CREATE INDEX orders_pe_date ON orders (purchasing_entity_id, order_date, id);
CREATE INDEX orders_date ON orders (order_date, id);

-- The audit trail's filters (issue 14 part 5): by user, action or object
-- within a company (an administrator's own) and over every company (the
-- vendor's), each a range in event order; a date range by the time.
CREATE INDEX audit_events_company_actor ON audit_events (company_id, actor, id);
CREATE INDEX audit_events_company_action ON audit_events (company_id, action, id);
CREATE INDEX audit_events_company_object ON audit_events (company_id, object, id);
CREATE INDEX audit_events_company_at ON audit_events (company_id, at);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_object ON audit_events (object, id);
CREATE INDEX audit_events_at ON audit_events (at);

-- +goose Down
DROP INDEX audit_events_at;
DROP INDEX audit_events_object;
DROP INDEX audit_events_action;
DROP INDEX audit_events_actor;
DROP INDEX audit_events_company_at;
DROP INDEX audit_events_company_object;
DROP INDEX audit_events_company_action;
DROP INDEX audit_events_company_actor;
DROP INDEX orders_date;
DROP INDEX orders_pe_date;
