package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
)

// Reader is a user a test adds with the language they chose for the
// portal and its mails ("": left to the browser, English in a mail).
type Reader struct {
	User entitle.User
	Lang string
}

// AddReaders adds rs to db at now, each with their language, and returns
// them by address; a failure fails t.
func AddReaders(t testing.TB, db *store.DB, now time.Time, rs []Reader) map[string]entitle.User {
	t.Helper()
	ctx := context.Background()
	users := map[string]entitle.User{}
	for _, r := range rs {
		u, err := db.AddUser(ctx, r.User, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Lang != "" {
			if err := db.SetUserLanguage(ctx, u.ID, r.Lang, entitle.AuditEvent{At: now, Actor: u.Email, Company: u.Company,
				Action: "user.language", Outcome: "ok"}); err != nil {
				t.Fatal(err)
			}
		}
		users[u.Email] = u
	}
	return users
}
