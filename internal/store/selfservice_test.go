package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/entitle-portal/entitle"
)

// TestNoticeRecipients: a kind's recipients are the company's active users
// who chose it, and its active administrators who did not choose
// otherwise; a disabled user and another company's users never; a choice
// is per kind and replaced by the next. Both databases.
func TestNoticeRecipients(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	admin := coUser(t, db, "ACME", "admin@acme.example", true)
	quiet := coUser(t, db, "ACME", "quiet@acme.example", true)
	member := coUser(t, db, "ACME", "member@acme.example", false)
	coUser(t, db, "ACME", "other@acme.example", false)
	gone := coUserStatus(t, db, "ACME", "gone@acme.example", true, entitle.UserDisabled)
	coUser(t, db, "BETA", "admin@beta.example", true)
	recipients := func(kind string) []string {
		t.Helper()
		rs, err := db.NoticeReaders(ctx, "ACME", kind)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.Email)
		}
		return got
	}
	if got := recipients(entitle.NoticeExpiryDigest); !slices.Equal(got, []string{"admin@acme.example", "quiet@acme.example"}) {
		t.Fatalf("by default: %v", got)
	}
	for _, c := range []struct {
		user    entitle.User
		choices map[string]bool
	}{
		{quiet, map[string]bool{entitle.NoticeExpiryDigest: false, entitle.NoticeRenewalRequests: false}},
		{member, map[string]bool{entitle.NoticeExpiryDigest: true}},
		{gone, map[string]bool{entitle.NoticeExpiryDigest: true}},
		{quiet, map[string]bool{entitle.NoticeRenewalRequests: true}}, // replaces its earlier choice of this kind only
	} {
		if err := db.SetNoticeChoices(ctx, c.user.ID, c.choices, coNow, ev("notices.change", c.user.Email, "ACME")); err != nil {
			t.Fatal(err)
		}
	}
	if got := recipients(entitle.NoticeExpiryDigest); !slices.Equal(got, []string{"admin@acme.example", "member@acme.example"}) {
		t.Errorf("expiry digests: %v", got)
	}
	if got := recipients(entitle.NoticeRenewalRequests); !slices.Equal(got, []string{"admin@acme.example", "quiet@acme.example"}) {
		t.Errorf("renewal requests: %v", got)
	}
	if got := recipients(entitle.NoticeAccessRequests); !slices.Equal(got, []string{"admin@acme.example", "quiet@acme.example"}) {
		t.Errorf("access requests: %v", got)
	}
	got, err := db.NoticeChoices(ctx, quiet.ID)
	if err != nil || len(got) != 2 || got[entitle.NoticeExpiryDigest] || !got[entitle.NoticeRenewalRequests] {
		t.Errorf("quiet's choices: %v %v", got, err)
	}
	if got, err := db.NoticeChoices(ctx, admin.ID); err != nil || len(got) != 0 {
		t.Errorf("admin's choices: %v %v", got, err)
	}
}

// TestNoticeReaders: a kind's recipients with the language each reads
// mails in ("" when left to the browser); the same for the active
// administrators. Both databases.
func TestNoticeReaders(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	admin := coUser(t, db, "ACME", "admin@acme.example", true)
	coUser(t, db, "ACME", "other@acme.example", true)
	coUser(t, db, "ACME", "member@acme.example", false)
	if err := db.SetUserLanguage(ctx, admin.ID, "de", ev("user.language", admin.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	want := []entitle.Recipient{{Email: "admin@acme.example", Language: "de"}, {Email: "other@acme.example"}}
	got, err := db.NoticeReaders(ctx, "ACME", entitle.NoticeExpiryDigest)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("notice readers: %v %v", got, err)
	}
	got, err = db.ActiveAdminReaders(ctx, "ACME")
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("active admin readers: %v %v", got, err)
	}
}
