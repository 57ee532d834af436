package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/store"
)

// TestTokenCreateScopes: --scope gives a token the scopes listed; without
// it, every scope the user may hold (said on standard error); a scope the
// user may not hold is refused and makes no token; an unknown one is a
// usage error naming the four.
func TestTokenCreateScopes(t *testing.T) {
	db := newWorld(t)
	for _, u := range []struct {
		company, email string
		admin          bool
	}{{"SHOP", "ann@shop.example", false}, {"SHOP", "bo@shop.example", true}, {"MAKER", "val@maker.example", true}} {
		args := []string{"user", "add", "--company", u.company, "--email", u.email, "--name", "X", "--password-stdin"}
		if u.admin {
			args = append(args, "--admin")
		}
		if r := cli(t, db, "a long enough password\n", args...); r.code != 0 {
			t.Fatalf("user add %s: %s", u.email, r.stderr)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scopesOf := func(token string) []string {
		t.Helper()
		_, tok, err := st.UserByToken(context.Background(), auth.HashToken(token), time.Now())
		if err != nil {
			t.Fatalf("the token made is unknown: %v", err)
		}
		return tok.Scopes.Strings()
	}

	for _, tc := range []struct {
		email, scope string
		want         []string
	}{
		{"ann@shop.example", "read,write", []string{"read", "write"}},
		{"ann@shop.example", "write, READ,read", []string{"read", "write"}},
		{"bo@shop.example", "admin", []string{"admin"}},
		{"val@maker.example", "import", []string{"import"}},
		{"ann@shop.example", "", []string{"read", "write"}},
		{"bo@shop.example", "", []string{"read", "write", "admin"}},
		{"val@maker.example", "", []string{"read", "write", "import", "admin"}},
	} {
		args := []string{"token", "create", "--email", tc.email}
		if tc.scope != "" {
			args = append(args, "--scope", tc.scope)
		}
		r := cli(t, db, "", args...)
		if r.code != 0 {
			t.Errorf("%s --scope %q: exit %d %s", tc.email, tc.scope, r.code, r.stderr)
			continue
		}
		if got := scopesOf(strings.TrimSpace(r.stdout)); !slices.Equal(got, tc.want) {
			t.Errorf("%s --scope %q: scopes %v, want %v", tc.email, tc.scope, got, tc.want)
		}
		said := strings.Contains(r.stderr, "every scope "+tc.email+" may hold: "+strings.Join(tc.want, ","))
		if said != (tc.scope == "") || !strings.Contains(r.stderr, "scopes "+strings.Join(tc.want, ",")) {
			t.Errorf("%s --scope %q: stderr %q", tc.email, tc.scope, r.stderr)
		}
	}

	count := func() int {
		n := 0
		for _, e := range []string{"ann@shop.example", "bo@shop.example", "val@maker.example"} {
			u, err := st.UserByEmail(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := st.Tokens(context.Background(), u.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			n += len(ts)
		}
		return n
	}
	made := count()
	for _, tc := range []struct {
		email, scope string
		code         int
		want         string
	}{
		{"ann@shop.example", "admin", 1, "may not hold the scope admin: company administrators only"},
		{"ann@shop.example", "read,import", 1, "may not hold the scope import: the vendor's administrators only"},
		{"bo@shop.example", "import", 1, "may not hold the scope import: the vendor's administrators only"},
		{"bo@shop.example", "read,owner", 2, `unknown scope "owner": the scopes are read, write, import, admin`},
		{"bo@shop.example", ",", 2, "name at least one of read, write, import, admin"},
	} {
		r := cli(t, db, "", "token", "create", "--email", tc.email, "--scope", tc.scope)
		if r.code != tc.code || r.stdout != "" || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s --scope %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.email, tc.scope, r.code, r.stdout, r.stderr, tc.code, tc.want)
		}
	}
	if n := count(); n != made {
		t.Errorf("refused commands made %d tokens", n-made)
	}
}
