package main

import (
	"context"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
)

// TestUserResetTwoFactor: the operator turns off a user's second factor
// (a lost phone and lost recovery codes), audited; a user without one is
// told so, and nothing changes.
func TestUserResetTwoFactor(t *testing.T) {
	db := newWorld(t)
	if r := cli(t, db, "a long enough password\n", "user", "add", "--company", "SHOP", "--email", "ann@shop.example", "--name", "Ann", "--password-stdin"); r.code != 0 {
		t.Fatalf("user add: %d %s", r.code, r.stderr)
	}
	if r := cli(t, db, "", "user", "reset-two-factor", "--email", "ann@shop.example"); r.code == 0 || !strings.Contains(r.stderr, "has no two-factor sign-in") {
		t.Errorf("without a second factor: %d %q", r.code, r.stderr)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByEmail(ctx, "ann@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	ev := entitle.AuditEvent{At: today, Actor: u.Email, Company: "SHOP", Action: "account.totp.start", Outcome: "ok"}
	if err := st.StartTOTP(ctx, u.ID, "sealed", today, ev); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.ConfirmTOTP(ctx, u.ID, 1, []string{"h"}, today, ev); err != nil || !ok {
		t.Fatal(ok, err)
	}
	st.Close()
	r := cli(t, db, "", "user", "reset-two-factor", "--email", "ANN@shop.example")
	if r.code != 0 || !strings.Contains(r.stdout, "two-factor sign-in of ann@shop.example is reset") {
		t.Fatalf("reset: %d %s %s", r.code, r.stdout, r.stderr)
	}
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.TOTPKey(ctx, u.ID); err == nil {
		t.Error("the key is still there")
	}
	evs, err := st.AuditEvents(ctx, "SHOP", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Action != "account.totp.reset" || last.Actor != "cli" || last.Object != "ann@shop.example" {
		t.Errorf("the audit event: %+v", last)
	}
}
