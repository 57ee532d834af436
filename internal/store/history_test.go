package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestTimeline: the record of S-100 through time — imported at the
// import's instant, the order's roles as placed, a transfer, a listed
// delegation the transfer took S-100 from (with the instant), an
// all-scope one of each owner; the other owner's delegations of other
// entitlements are not S-100's. A new database is complete from the start.
func TestTimeline(t *testing.T) {
	s, db := basicsWithNewco(t)
	ctx := context.Background()
	t0 := s.Now
	grant := func(d entitle.Delegation) {
		t.Helper()
		if _, err := db.GrantDelegation(ctx, d, entitle.AuditEvent{At: d.CreatedAt, Action: "delegation.grant", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	grant(entitle.Delegation{ID: "D-LIST", Owner: "PLANT", Delegate: "NOBODY", SubscriptionIDs: []string{"S-100", "S-101"}, CreatedAt: t0.Add(time.Hour), CreatedBy: "a"})
	grant(entitle.Delegation{ID: "D-OTHER", Owner: "PLANT", Delegate: "NOBODY", SubscriptionIDs: []string{"S-101"}, CreatedAt: t0.Add(time.Hour), CreatedBy: "a"})
	grant(entitle.Delegation{ID: "D-ALL", Owner: "PLANT", Delegate: "SHOP", CreatedAt: t0.Add(time.Hour), CreatedBy: "a",
		ExpiresAt: t0.Add(48 * time.Hour)})
	transfer(t, db, "S-100", "PLANT", "NEWCO", t0.Add(2*time.Hour))
	grant(entitle.Delegation{ID: "D-NEW", Owner: "NEWCO", Delegate: "FITTER", CreatedAt: t0.Add(3 * time.Hour), CreatedBy: "n"})

	got, err := db.Timeline(ctx, "S-100")
	if err != nil {
		t.Fatal(err)
	}
	del := func(id, owner, delegate string, listed bool, created, expires, dropped time.Time) entitle.TimedDelegation {
		d := entitle.TimedDelegation{Delegation: entitle.Delegation{ID: id, Owner: owner, Delegate: delegate, CreatedAt: created, ExpiresAt: expires,
			CreatedBy: map[string]string{"PLANT": "a", "NEWCO": "n"}[owner]}, Dropped: dropped}
		if listed {
			d.SubscriptionIDs = []string{"S-100"}
		}
		return d
	}
	want := entitle.Timeline{SubscriptionID: "S-100", Imported: t0,
		Roles: []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: "NORTH"}, {Role: entitle.RoleOwner, Company: "PLANT"},
			{Role: entitle.RoleReseller, Company: "SHOP"}, {Role: entitle.RoleInstaller, Company: "FITTER"}},
		Moves: []entitle.OwnerMove{{At: t0.Add(2 * time.Hour), From: "PLANT", To: "NEWCO"}},
		Delegations: []entitle.TimedDelegation{
			del("D-ALL", "PLANT", "SHOP", false, t0.Add(time.Hour), t0.Add(48*time.Hour), time.Time{}),
			del("D-LIST", "PLANT", "NOBODY", true, t0.Add(time.Hour), time.Time{}, t0.Add(2*time.Hour)),
			del("D-NEW", "NEWCO", "FITTER", false, t0.Add(3*time.Hour), time.Time{}, time.Time{}),
		}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeline of S-100 (-want +got):\n%s", diff)
	}
	if _, err := db.Timeline(ctx, "S-999"); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("a missing subscription: %v", err)
	}
}

// TestTimelineCompleteFrom: a database that held orders when it was
// upgraded to the access history (migration 17) is complete from the
// upgrade; its orders' imports are not recorded.
func TestTimelineCompleteFrom(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	raw, q := rawDB(t, dsn)
	if _, err := migrator(t, raw).UpTo(ctx, 15); err != nil {
		t.Fatal(err)
	}
	var co, msa, order int64
	for _, st := range []struct {
		query string
		args  func() []any
		id    *int64
	}{
		{`INSERT INTO companies (key, name, kind) VALUES ('OLD', 'Old Customer', 'customer') RETURNING id`, func() []any { return nil }, &co},
		{`INSERT INTO msas (number, company_id, start_date, end_date) VALUES ('MSA-OLD', ?, '2025-01-01', '2028-12-31') RETURNING id`,
			func() []any { return []any{co} }, &msa},
		{`INSERT INTO orders (purchasing_entity_id, po_number, msa_id, order_date, currency, owner_id) VALUES (?, 'PO-OLD', ?, '2026-01-15', 'EUR', ?) RETURNING id`,
			func() []any { return []any{co, msa, co} }, &order},
	} {
		if err := raw.QueryRowContext(ctx, q(st.query), st.args()...).Scan(st.id); err != nil {
			t.Fatalf("%s: %v", st.query, err)
		}
	}
	for _, st := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO order_roles (order_id, role, company_id, position) VALUES (?, 'purchasing_entity', ?, 0), (?, 'owner', ?, 1)`, []any{order, co, order, co}},
		{`INSERT INTO entitlements (subscription_id, order_id, line_no, sku, quantity, unit_price, start_date, end_date, po_number, purchasing_entity_id, owner_id)
			VALUES ('S-OLD', ?, 1, 'SKU-1', 1, '10.00', '2026-02-01', '2027-01-31', 'PO-OLD', ?, ?)`, []any{order, co, co}},
	} {
		if _, err := raw.ExecContext(ctx, q(st.query), st.args...); err != nil {
			t.Fatalf("%s: %v", st.query, err)
		}
	}
	raw.Close()

	before := time.Now().Add(-time.Minute)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tl, err := db.Timeline(ctx, "S-OLD")
	if err != nil {
		t.Fatal(err)
	}
	if !tl.Imported.IsZero() || tl.CompleteFrom.Before(before) || tl.CompleteFrom.After(time.Now().Add(time.Minute)) {
		t.Errorf("imported %s, complete from %s; want the import unknown and complete from about now", tl.Imported, tl.CompleteFrom)
	}
	if want := []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: "OLD"}, {Role: entitle.RoleOwner, Company: "OLD"}}; !cmp.Equal(tl.Roles, want) {
		t.Errorf("roles %v, want %v", tl.Roles, want)
	}
}
