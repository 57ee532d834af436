package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
)

// The account tests: password resets (once only, also when two use a link
// at once; every session ends), a user's own sessions and tokens (never
// another user's), token expiry.

func TestPasswordReset(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", false)
	bob := coUser(t, db, "ACME", "bob@acme.example", false)
	for i, u := range []entitle.User{ann, ann, bob} {
		if err := db.CreateSession(ctx, u.ID, "session-"+string(rune('a'+i)), "", entitle.SessionMeta{Address: "192.0.2.1"}, coNow, coNow.Add(time.Hour),
			entitle.AuditEvent{At: coNow, Action: "login", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	ev := entitle.AuditEvent{At: coNow, Action: "password.forgot", Outcome: "ok"}
	for _, h := range []string{"link-1", "link-2"} {
		if err := db.CreatePasswordReset(ctx, entitle.PasswordReset{UserID: ann.ID, CreatedAt: coNow, ExpiresAt: coNow.Add(time.Hour)}, h, ev); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := db.PasswordResetUser(ctx, "link-1", coNow); err != nil || u.Email != ann.Email {
		t.Fatalf("link-1 is for %q: %v", u.Email, err)
	}
	for h, want := range map[string]error{"nope": entitle.ErrResetUnknown} {
		if _, err := db.PasswordResetUser(ctx, h, coNow); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", h, err, want)
		}
	}
	if _, err := db.PasswordResetUser(ctx, "link-1", coNow.Add(time.Hour)); !errors.Is(err, entitle.ErrResetExpired) {
		t.Errorf("at its expiry: %v", err)
	}
	// Two at once: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = db.ResetPassword(ctx, "link-1", "new-hash", coNow.Add(time.Minute), entitle.AuditEvent{At: coNow, Action: "password.reset", Outcome: "ok"})
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], entitle.ErrResetUsed) || errors.Is(errs[1], entitle.ErrResetUsed)) {
		t.Fatalf("two resets at once: %v, %v", errs[0], errs[1])
	}
	u, err := db.UserByEmail(ctx, ann.Email)
	if err != nil || u.PasswordHash != "new-hash" {
		t.Errorf("ann's hash %q: %v", u.PasswordHash, err)
	}
	// Ann's sessions and her other link ended; Bob's session lives on.
	if ss, _ := db.Sessions(ctx, ann.ID, coNow); len(ss) != 0 {
		t.Errorf("ann's sessions after the reset: %v", ss)
	}
	if ss, _ := db.Sessions(ctx, bob.ID, coNow); len(ss) != 1 {
		t.Errorf("bob's sessions after ann's reset: %v", ss)
	}
	if _, err := db.PasswordResetUser(ctx, "link-2", coNow.Add(time.Minute)); !errors.Is(err, entitle.ErrResetUsed) {
		t.Errorf("ann's other link after the reset: %v", err)
	}
}

func TestOwnSessionsAndTokens(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", false)
	bob := coUser(t, db, "BETA", "bob@beta.example", true)
	login := entitle.AuditEvent{At: coNow, Action: "login", Outcome: "ok"}
	for i, h := range []string{"a1", "a2", "a3"} {
		if err := db.CreateSession(ctx, ann.ID, h+"-0123456789abcdef", "", entitle.SessionMeta{Address: "192.0.2.1", UserAgent: "test"},
			coNow.Add(time.Duration(i)*time.Minute), coNow.Add(time.Hour), login); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateSession(ctx, bob.ID, "b1-0123456789abcdef", "", entitle.SessionMeta{}, coNow, coNow.Add(time.Hour), login); err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, ann.ID, coNow)
	if err != nil || len(ss) != 3 || ss[0].ID != store.SessionID("a3-0123456789abcdef") || ss[0].Address != "192.0.2.1" || ss[0].UserAgent != "test" {
		t.Fatalf("ann's sessions: %+v %v", ss, err)
	}
	bobs, _ := db.Sessions(ctx, bob.ID, coNow)
	end := entitle.AuditEvent{At: coNow, Action: "session.end", Outcome: "ok"}
	if _, err := db.EndSessions(ctx, ann.ID, bobs[0].ID, "", end); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("ann ends bob's session: %v", err)
	}
	if _, err := db.EndSessions(ctx, ann.ID, "short", "", end); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("a malformed id: %v", err)
	}
	if n, err := db.EndSessions(ctx, ann.ID, ss[2].ID, "", end); n != 1 || err != nil {
		t.Errorf("ann ends her session: %d %v", n, err)
	}
	if n, err := db.EndSessions(ctx, ann.ID, "", "a3-0123456789abcdef", end); n != 1 || err != nil {
		t.Errorf("ann ends her others: %d %v", n, err)
	}
	if ss, _ := db.Sessions(ctx, ann.ID, coNow); len(ss) != 1 || ss[0].ID != store.SessionID("a3-0123456789abcdef") {
		t.Errorf("left: %+v", ss)
	}
	if ss, _ := db.Sessions(ctx, bob.ID, coNow); len(ss) != 1 {
		t.Errorf("bob's session: %+v", ss)
	}

	// Tokens: expiring, listed for their user only, revoked by it only.
	made := entitle.AuditEvent{At: coNow, Action: "token.create", Outcome: "ok"}
	short, err := db.AddToken(ctx, ann.ID, "short", "hash-short", entitle.AllScopes, coNow, coNow.Add(time.Hour), made)
	if err != nil {
		t.Fatal(err)
	}
	forever, err := db.AddToken(ctx, ann.ID, "forever", "hash-forever", entitle.AllScopes, coNow, time.Time{}, entitle.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.UserByToken(ctx, "hash-short", coNow.Add(time.Hour-time.Second)); err != nil {
		t.Errorf("the token before its expiry: %v", err)
	}
	if _, _, err := db.UserByToken(ctx, "hash-short", coNow.Add(time.Hour)); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("the token at its expiry: %v", err)
	}
	ts, err := db.Tokens(ctx, ann.ID, coNow)
	if err != nil || len(ts) != 2 || ts[0].ID != forever || ts[1].ID != short || !ts[0].ExpiresAt.IsZero() || !ts[1].ExpiresAt.Equal(coNow.Add(time.Hour)) {
		t.Errorf("ann's tokens: %+v %v", ts, err)
	}
	if ts, _ := db.Tokens(ctx, ann.ID, coNow.Add(time.Hour)); len(ts) != 1 {
		t.Errorf("ann's tokens after the short one expired: %+v", ts)
	}
	revoke := entitle.AuditEvent{At: coNow, Action: "token.revoke", Outcome: "ok"}
	if _, err := db.RevokeToken(ctx, bob.ID, forever, coNow, revoke); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("bob revokes ann's token: %v", err)
	}
	if tk, err := db.RevokeToken(ctx, ann.ID, forever, coNow, revoke); err != nil || tk.Name != "forever" {
		t.Errorf("ann revokes her token: %+v %v", tk, err)
	}
	if _, err := db.RevokeToken(ctx, ann.ID, forever, coNow, revoke); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("revoked twice: %v", err)
	}
	if _, _, err := db.UserByToken(ctx, "hash-forever", coNow); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("the revoked token: %v", err)
	}
}
