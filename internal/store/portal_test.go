package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestCompanySummaries: every company by key, in pages, with its profile
// and its users counted (all, active, active administrators).
func TestCompanySummaries(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	for _, u := range []entitle.User{
		{Email: "a@cust1.example", Name: "A", Company: "CUST-1", Admin: true},
		{Email: "b@cust1.example", Name: "B", Company: "CUST-1"},
		{Email: "c@cust1.example", Name: "C", Company: "CUST-1", Admin: true, Status: entitle.UserDisabled},
		{Email: "d@res1.example", Name: "D", Company: "RES-1"},
	} {
		if _, err := db.AddUser(ctx, u, "x", importNow); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.Profile(ctx, "RES-1")
	if err != nil {
		t.Fatal(err)
	}
	p.ContactEmail, p.Website, p.Listed = "sales@res1.example", "https://res1.example", true
	if err := db.SetProfile(ctx, p, entitle.AuditEvent{At: importNow, Actor: "cli", Action: "company.profile", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	var all []entitle.CompanySummary
	for after := ""; ; {
		page, err := db.CompanySummaries(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].Company.Key
	}
	var keys []string
	counts := map[string][3]int{}
	for _, s := range all {
		keys = append(keys, s.Company.Key)
		counts[s.Company.Key] = [3]int{s.Users, s.Active, s.Admins}
	}
	if diff := cmp.Diff([]string{"CUST-1", "CUST-2", "DIST-1", "RES-1", "VENDOR"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	want := map[string][3]int{"CUST-1": {3, 2, 1}, "CUST-2": {}, "DIST-1": {}, "RES-1": {1, 1, 0}, "VENDOR": {}}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if res := all[3]; res.Profile != p || res.Company.Name != "Reseller One" {
		t.Errorf("RES-1: %+v, want profile %+v", res, p)
	}
}

// TestMSAs: every MSA by number, in pages, with its counterparty.
func TestMSAs(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	first, err := db.MSAs(ctx, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := db.MSAs(ctx, first[len(first)-1].Number, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []entitle.MSARecord
	got = append(append(got, first...), rest...)
	var want []entitle.MSARecord
	names := map[string]string{}
	for _, c := range smallChannel().Companies {
		names[c.Record.Key] = c.Record.Name
	}
	for _, n := range []string{"MSA-C1", "MSA-D1", "MSA-R1"} {
		for _, m := range smallChannel().MSAs {
			if m.Record.Number == n {
				want = append(want, entitle.MSARecord{MSA: m.Record, CompanyName: names[m.Record.Company]})
			}
		}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(entitle.Date{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestAuditEventsNewest: newest first, in pages, of one company or of all;
// the same events as AuditEvents (oldest first), reversed.
func TestAuditEventsNewest(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	var events []entitle.AuditEvent
	for i, co := range []string{"CUST-1", "RES-1", "CUST-1", "", "CUST-1", "RES-1", "CUST-1"} {
		events = append(events, entitle.AuditEvent{At: importNow, Actor: "x@y.example", Company: co, Action: "entitlement.list",
			Object: string(rune('a' + i)), Outcome: "ok", Basis: []entitle.Basis{entitle.BasisOwner}})
	}
	if err := db.Audit(ctx, events...); err != nil {
		t.Fatal(err)
	}
	for _, company := range []string{"", "CUST-1", "RES-1", "DIST-1"} {
		oldest, err := db.AuditEvents(ctx, company, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var newest []entitle.AuditEvent
		for before := int64(0); ; {
			page, err := db.AuditEventsNewest(ctx, company, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			newest = append(newest, page...)
			if len(page) < 2 {
				break
			}
			before = page[len(page)-1].ID
		}
		for i, j := 0, len(oldest)-1; i < j; i, j = i+1, j-1 {
			oldest[i], oldest[j] = oldest[j], oldest[i]
		}
		if diff := cmp.Diff(oldest, newest); diff != "" {
			t.Errorf("company %q (-oldest reversed +newest):\n%s", company, diff)
		}
		if company == "CUST-1" && len(newest) != 4 {
			t.Errorf("CUST-1: %d events, want 4", len(newest))
		}
	}
}
