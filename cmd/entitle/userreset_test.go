package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/store"
)

// TestUserResetPassword: the operator prints a reset link for a user; it
// names the portal's address and works for that user only, once.
func TestUserResetPassword(t *testing.T) {
	db := newWorld(t)
	if r := cli(t, db, "a long enough password\n", "user", "add", "--company", "SHOP", "--email", "ann@shop.example", "--name", "Ann", "--password-stdin"); r.code != 0 {
		t.Fatalf("user add: %d %s", r.code, r.stderr)
	}
	r := cli(t, db, "", "user", "reset-password", "Ann@Shop.example", "--base-url", "https://portal.vendor.example/")
	link := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(link, "https://portal.vendor.example/password/reset?token=") || !strings.Contains(r.stderr, "ann@shop.example") {
		t.Fatalf("reset-password: %d %q %q", r.code, r.stdout, r.stderr)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hash := auth.HashToken(u.Query().Get("token"))
	user, err := st.PasswordResetUser(context.Background(), hash, today)
	if err != nil || user.Email != "ann@shop.example" {
		t.Fatalf("the link is for %q: %v", user.Email, err)
	}
	if _, err := st.ResetPassword(context.Background(), hash, "new-hash", today, entitle.AuditEvent{At: today, Action: "password.reset", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PasswordResetUser(context.Background(), hash, today); err == nil {
		t.Error("the link works twice")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "reset-password", "ghost@shop.example"}, "no user has the address ghost@shop.example"},
		{[]string{"user", "reset-password"}, "give the user's email"},
		{[]string{"user", "reset-password", "a@b.example", "c@d.example"}, "unexpected arguments"},
	} {
		if r := cli(t, db, "", tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %d %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if r := cli(t, db, "", "user", "disable", "--email", "ann@shop.example"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := cli(t, db, "", "user", "reset-password", "ann@shop.example"); r.code == 0 || !strings.Contains(r.stderr, "disabled") {
		t.Errorf("a disabled user: %d %q", r.code, r.stderr)
	}
}
