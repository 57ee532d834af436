package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestTokenScopes: a token keeps the scopes it was made with; the user's
// lookup by token and the list of tokens both give them.
func TestTokenScopes(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", true)
	for _, tc := range []struct {
		hash   string
		scopes entitle.Scopes
	}{
		{"h-read", entitle.Scopes{entitle.ScopeRead}},
		{"h-admin", entitle.Scopes{entitle.ScopeRead, entitle.ScopeAdmin}},
		{"h-all", entitle.AllScopes},
	} {
		if _, err := db.AddToken(ctx, ann.ID, tc.hash, tc.hash, tc.scopes, coNow, time.Time{}, entitle.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
		_, tok, err := db.UserByToken(ctx, tc.hash, coNow)
		if err != nil || !slices.Equal(tok.Scopes, tc.scopes) {
			t.Errorf("%s: scopes %v, %v; want %v", tc.hash, tok.Scopes, err, tc.scopes)
		}
	}
	ts, err := db.Tokens(ctx, ann.ID, coNow)
	if err != nil || len(ts) != 3 || !slices.Equal(ts[0].Scopes, entitle.AllScopes) || !slices.Equal(ts[2].Scopes, entitle.Scopes{entitle.ScopeRead}) {
		t.Errorf("the list: %+v %v", ts, err)
	}
}

// TestMigrationGivesOldTokensEveryScope: a token made before scopes
// (schema version 20) could do everything its user can; after the
// migration it holds all four scopes, so nothing it did stops working.
func TestMigrationGivesOldTokensEveryScope(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	raw, q := rawDB(t, dsn)
	if _, err := migrator(t, raw).UpTo(ctx, 20); err != nil {
		t.Fatal(err)
	}
	var companyID, userID, tokenID int64
	if err := raw.QueryRowContext(ctx, q(`INSERT INTO companies (key, name, kind) VALUES (?, ?, ?) RETURNING id`), "ACME", "Acme", "reseller").Scan(&companyID); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRowContext(ctx, q(`INSERT INTO users (email, name, company_id, admin, status, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		"ann@acme.example", "Ann", companyID, false, "active", "h", coNow.UnixMicro()).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRowContext(ctx, q(`INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		userID, "old", "h-old", coNow.UnixMicro()).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, tok, err := db.UserByToken(ctx, "h-old", coNow)
	if err != nil || u.ID != userID || !slices.Equal(tok.Scopes, entitle.AllScopes) {
		t.Errorf("the old token after the migration: user %d, scopes %v, %v; want every scope", u.ID, tok.Scopes, err)
	}
}
