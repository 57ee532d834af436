package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// noticesChannel is a generated channel on the run's backend, and its today.
func noticesChannel(t *testing.T) (*store.DB, entitle.Date) {
	t.Helper()
	ctx := context.Background()
	ds := generated(0.002, 11)
	db := storetest.New(t)
	if _, ps, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{}, importNow); err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	return db, entitle.DateOf(importNow)
}

// TestExpiringEntitlements: paging by (end date, subscription ID) in small
// pages gives exactly the entitlements in the window, each once, in order,
// with its order's roles in the order listed.
func TestExpiringEntitlements(t *testing.T) {
	ctx := context.Background()
	db, today := noticesChannel(t)
	from, to := today, today.AddDays(180)
	whole, err := db.ExpiringEntitlements(ctx, from, to, entitle.ExpiringAfter{}, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) < 20 {
		t.Fatalf("only %d entitlements end in the window: the test needs more", len(whole))
	}
	var paged []entitle.Expiring
	for after := (entitle.ExpiringAfter{}); ; {
		page, err := db.ExpiringEntitlements(ctx, from, to, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < 7 {
			break
		}
		last := page[len(page)-1]
		after = entitle.ExpiringAfter{EndDate: last.EndDate, SubscriptionID: last.SubscriptionID}
	}
	if diff := cmp.Diff(whole, paged, cmp.AllowUnexported(entitle.Date{})); diff != "" {
		t.Errorf("paged differs from one read (-whole +paged):\n%s", diff)
	}
	for i, x := range whole {
		if x.EndDate.Before(from) || x.EndDate.After(to) {
			t.Errorf("%s ends %s, outside the window", x.SubscriptionID, x.EndDate)
		}
		if i > 0 {
			p := whole[i-1]
			if x.EndDate.Before(p.EndDate) || x.EndDate == p.EndDate && x.SubscriptionID <= p.SubscriptionID {
				t.Errorf("%s after %s: out of order", x.SubscriptionID, p.SubscriptionID)
			}
		}
		// The roles are the order's, as DB.Entitlement explains them (in listed order).
		c, err := db.Entitlement(ctx, x.SubscriptionID, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.Facts.Roles, x.Roles); diff != "" || c.Entitlement.Owner != x.Owner {
			t.Errorf("%s: owner %s, roles (-want +got):\n%s", x.SubscriptionID, x.Owner, diff)
		}
	}
}

// TestNoticeClaims: the claim protocol on one database. A claim is taken
// once; another token gets nothing while it is live; a released claim is
// taken at once; a live one only after its lease; only the holder marks
// sent, and a sent notice is never claimed again. The audit event is written
// only with a claim.
func TestNoticeClaims(t *testing.T) {
	ctx := context.Background()
	db, today := noticesChannel(t)
	xs, err := db.ExpiringEntitlements(ctx, today, today.AddDays(30), entitle.ExpiringAfter{}, 3)
	if err != nil || len(xs) != 3 {
		t.Fatal(xs, err)
	}
	batch := entitle.NoticeBatch{Company: xs[0].Owner, Stage: 30}
	var subs []string
	for _, x := range xs {
		batch.Items = append(batch.Items, entitle.NoticeItem{SubscriptionID: x.SubscriptionID, EndDate: x.EndDate})
		subs = append(subs, x.SubscriptionID)
	}
	slices.Sort(subs)
	lease := 15 * time.Minute
	now := importNow
	audits := 0
	audit := func(claimed []string) entitle.AuditEvent {
		audits++
		return entitle.AuditEvent{At: now, Actor: "notices", Company: batch.Company, Action: "notice.expiry", Object: "30 days", Outcome: "ok"}
	}
	claim := func(token string, at time.Time) []string {
		t.Helper()
		got, err := db.ClaimNotices(ctx, batch, token, at, lease, audit)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := claim("a", now); !slices.Equal(got, subs) {
		t.Fatalf("first claim: %v, want %v", got, subs)
	}
	if got := claim("b", now.Add(lease-time.Second)); len(got) != 0 {
		t.Errorf("claimed while a's claim is live: %v", got)
	}
	// a fails to send and releases: b takes the claims at once.
	if err := db.ReleaseNotices(ctx, batch, "a", "connection refused", entitle.AuditEvent{At: now, Company: batch.Company,
		Action: "notice.expiry", Outcome: "failed"}); err != nil {
		t.Fatal(err)
	}
	if got := claim("b", now.Add(time.Minute)); !slices.Equal(got, subs) {
		t.Errorf("after a released: %v", got)
	}
	// b dies; after its lease, c takes over.
	if got := claim("c", now.Add(time.Minute+lease-time.Second)); len(got) != 0 {
		t.Errorf("within b's lease: %v", got)
	}
	if got := claim("c", now.Add(time.Minute+lease)); !slices.Equal(got, subs) {
		t.Errorf("after b's lease: %v", got)
	}
	if n, err := db.MarkNoticesSent(ctx, batch, "b", now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("b marked %d sent (%v) after losing its claims", n, err)
	}
	if n, err := db.MarkNoticesSent(ctx, batch, "c", now.Add(time.Hour)); err != nil || n != 3 {
		t.Errorf("c marked %d sent (%v)", n, err)
	}
	if got := claim("d", now.Add(48*time.Hour)); len(got) != 0 {
		t.Errorf("a sent notice was claimed again: %v", got)
	}
	if audits != 3 {
		t.Errorf("%d audit events from claims, want 3 (one per successful claim)", audits)
	}
	claims, err := db.NoticeClaims(ctx, subs)
	if err != nil {
		t.Fatal(err)
	}
	c := claims[subs[0]]
	if len(c) != 1 || c[0].Attempts != 3 || c[0].SentAt.IsZero() || c[0].LastError != "" || c[0].Company != batch.Company || c[0].Stage != 30 {
		t.Errorf("claim: %+v", c)
	}

	// Ended entitlements' claims are pruned; the others stay.
	if n, err := db.PruneNoticeClaims(ctx, today); err != nil || n != 0 {
		t.Errorf("pruned %d (%v) before any ended", n, err)
	}
	if n, err := db.PruneNoticeClaims(ctx, today.AddDays(31)); err != nil || n != 3 {
		t.Errorf("pruned %d (%v), want 3", n, err)
	}
}

// TestNoticePlans: the notices' reads are index ranges and lookups, never a
// whole read of a table that grows with the channel.
func TestNoticePlans(t *testing.T) {
	ctx := context.Background()
	db, today := noticesChannel(t)
	xs, err := db.ExpiringEntitlements(ctx, today, today.AddDays(30), entitle.ExpiringAfter{}, 2)
	if err != nil || len(xs) != 2 {
		t.Fatal(xs, err)
	}
	batch := entitle.NoticeBatch{Company: xs[0].Owner, Stage: 30, Items: []entitle.NoticeItem{{SubscriptionID: xs[0].SubscriptionID, EndDate: xs[0].EndDate}}}
	if _, err := db.ClaimNotices(ctx, batch, "t", importNow, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	ran := map[string][]store.Statement{}
	var label string
	stop := db.Trace(func(s store.Statement) { ran[label] = append(ran[label], s) })
	label = "expiring, first page"
	if _, err := db.ExpiringEntitlements(ctx, today, today.AddDays(180), entitle.ExpiringAfter{}, 500); err != nil {
		t.Fatal(err)
	}
	label = "expiring, next page"
	if _, err := db.ExpiringEntitlements(ctx, today, today.AddDays(180), entitle.ExpiringAfter{EndDate: xs[1].EndDate, SubscriptionID: xs[1].SubscriptionID}, 500); err != nil {
		t.Fatal(err)
	}
	stop()
	// The writes, explained as they are sent (placeholders rebound by the store).
	q := func(s string) string {
		if storetest.Backend() == "postgres" {
			n := 0
			out := ""
			for _, r := range s {
				if r == '?' {
					n++
					out += "$" + string(rune('0'+n))
					continue
				}
				out += string(r)
			}
			return out
		}
		return s
	}
	sub := xs[0].SubscriptionID
	ran["claim take-over"] = []store.Statement{{Query: q(`UPDATE notice_claims SET claim = ?, claimed_at = ?, attempts = attempts + 1
		WHERE company_id = ? AND stage = ? AND subscription_id IN (?) AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at <= ?)`),
		Args: []any{"t", int64(1), int64(1), 30, sub, int64(1)}}}
	ran["prune"] = []store.Statement{{Query: q(`DELETE FROM notice_claims WHERE end_date < ?`), Args: []any{today.String()}}}
	checkPlans(t, db, ran, true)
}
