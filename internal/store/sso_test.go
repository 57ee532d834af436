package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestSSOConfigs: a company's single sign-on is recorded whole, found by
// any of its domains, replaced whole; a domain belongs to one company (the
// refusal names it and changes nothing); removing it frees its domains.
func TestSSOConfigs(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	ev := func(action string) entitle.AuditEvent {
		return entitle.AuditEvent{At: importNow, Actor: "cli", Company: "VENDOR", Action: action, Outcome: "ok"}
	}
	acme := entitle.SSOConfig{Company: "CUST-1", Issuer: "https://idp.cust1.example", ClientID: "portal", Domains: []string{"cust1.example", "cust1.de"},
		PasswordLogin: true, UpdatedAt: importNow, UpdatedBy: "cli"}
	if err := db.SetSSO(ctx, acme, "v1:sealed", ev("sso.set")); err != nil {
		t.Fatal(err)
	}
	got, sealed, err := db.SSOConfigByDomain(ctx, "CUST1.DE")
	want := acme
	want.Domains = []string{"cust1.de", "cust1.example"}
	if err != nil || sealed != "v1:sealed" || !cmp.Equal(got, want) {
		t.Fatalf("by domain: %+v %q %v\n%s", got, sealed, err, cmp.Diff(want, got))
	}
	if _, _, err := db.SSOConfigByDomain(ctx, "res1.example"); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("a domain nobody vouches for: %v", err)
	}
	// Another company may not vouch for cust1.de.
	other := entitle.SSOConfig{Company: "RES-1", Issuer: "https://idp.res1.example", ClientID: "p", Domains: []string{"cust1.de", "res1.example"},
		UpdatedAt: importNow, UpdatedBy: "cli"}
	err = db.SetSSO(ctx, other, "v1:x", ev("sso.set"))
	if err == nil || !strings.Contains(err.Error(), "cust1.de is already vouched for by company CUST-1") {
		t.Errorf("a domain of two companies: %v", err)
	}
	if _, _, err := db.SSOConfig(ctx, "RES-1"); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("the refused configuration: %v", err)
	}
	// Replaced whole: the secret kept when none is given, the domains replaced.
	acme.Domains, acme.PasswordLogin = []string{"cust1.example"}, false
	if err := db.SetSSO(ctx, acme, "", ev("sso.set")); err != nil {
		t.Fatal(err)
	}
	if _, sealed, _ := db.SSOConfig(ctx, "CUST-1"); sealed != "v1:sealed" {
		t.Errorf("the secret after a change without one: %q", sealed)
	}
	if ok, err := db.PasswordLoginAllowed(ctx, "CUST-1"); ok || err != nil {
		t.Errorf("password login of an SSO-only company: %v %v", ok, err)
	}
	if ok, err := db.PasswordLoginAllowed(ctx, "RES-1"); !ok || err != nil {
		t.Errorf("password login of a company without SSO: %v %v", ok, err)
	}
	// cust1.de is free now.
	if err := db.SetSSO(ctx, other, "v1:x", ev("sso.set")); err != nil {
		t.Fatal(err)
	}
	// A new company needs a secret.
	if err := db.SetSSO(ctx, entitle.SSOConfig{Company: "DIST-1", Issuer: "https://x.example", ClientID: "c", Domains: []string{"dist1.example"}, UpdatedAt: importNow}, "", ev("sso.set")); err == nil {
		t.Error("a first configuration without a secret was recorded")
	}
	if err := db.SetSSO(ctx, entitle.SSOConfig{Company: "NOPE", Issuer: "https://x.example", ClientID: "c", Domains: []string{"nope.example"}, UpdatedAt: importNow}, "v1:x", ev("sso.set")); err == nil {
		t.Error("a configuration of no company was recorded")
	}
	list, err := db.SSOConfigs(ctx)
	if err != nil || len(list) != 2 || list[0].Company != "CUST-1" || list[1].Company != "RES-1" {
		t.Errorf("list: %+v %v", list, err)
	}
	if err := db.RemoveSSO(ctx, "CUST-1", ev("sso.remove")); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveSSO(ctx, "CUST-1", ev("sso.remove")); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("removed twice: %v", err)
	}
	if _, _, err := db.SSOConfigByDomain(ctx, "cust1.example"); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("a removed company's domain: %v", err)
	}
}

// TestSSOLogins: a sign-in under way is taken once; an expired one is
// gone; of concurrent takes of one state exactly one wins.
func TestSSOLogins(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	l := entitle.SSOLogin{StateHash: "s1", BindingHash: "b1", Company: "CUST-1", Nonce: "n", Verifier: "v", Next: "/orders",
		CreatedAt: importNow, ExpiresAt: importNow.Add(10 * time.Minute)}
	if err := db.AddSSOLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err := db.TakeSSOLogin(ctx, "s1", importNow.Add(time.Minute))
	if err != nil || !cmp.Equal(got, l) {
		t.Fatalf("take: %v\n%s", err, cmp.Diff(l, got))
	}
	if _, err := db.TakeSSOLogin(ctx, "s1", importNow.Add(time.Minute)); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("taken twice: %v", err)
	}
	l.StateHash = "s2"
	if err := db.AddSSOLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TakeSSOLogin(ctx, "s2", l.ExpiresAt); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("an expired sign-in: %v", err)
	}
	l.StateHash = "s3"
	if err := db.AddSSOLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 4 {
		wg.Go(func() {
			if _, err := db.TakeSSOLogin(ctx, "s3", importNow); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, entitle.ErrNotFound) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d concurrent takes of one state won", won)
	}
	l.Company = "NOPE"
	if err := db.AddSSOLogin(ctx, l); err == nil {
		t.Error("a sign-in of no company was recorded")
	}
}

// TestAddSSOUser: a member (never an administrator, no password), with its
// audit event; an address that has a user is refused.
func TestAddSSOUser(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	ev := entitle.AuditEvent{At: importNow, Actor: "new@cust1.example", Company: "CUST-1", Action: "user.add", Outcome: "ok"}
	u, err := db.AddSSOUser(ctx, entitle.User{Email: "New@cust1.example", Name: "New", Company: "CUST-1", Admin: true}, importNow, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByEmail(ctx, "new@cust1.example")
	if err != nil || got.ID != u.ID || got.Admin || got.PasswordHash != "" || got.Company != "CUST-1" || got.Status != entitle.UserActive {
		t.Errorf("the new user: %+v %v", got, err)
	}
	if _, err := db.AddSSOUser(ctx, entitle.User{Email: "new@cust1.example", Name: "Again", Company: "RES-1"}, importNow, ev); err == nil {
		t.Error("a second user with one address")
	}
}
