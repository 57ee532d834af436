package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestAnnouncements: an announcement shows as a banner while in force, to
// every user until that user dismisses it; ending it early hides it from
// everyone; the list is newest first with keyset paging.
func TestAnnouncements(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	alice, err := db.AddUser(ctx, entitle.User{Email: "alice@cust1.example", Name: "Alice", Company: "CUST-1"}, "x", importNow)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := db.AddUser(ctx, entitle.User{Email: "bob@res1.example", Name: "Bob", Company: "RES-1"}, "x", importNow)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	post := func(title string, starts, ends time.Time) entitle.Announcement {
		t.Helper()
		a, err := db.PostAnnouncement(ctx, entitle.Announcement{Title: title, Text: "Join us.", Link: "https://vendor.example/webinar",
			Starts: starts, Ends: ends, CreatedAt: importNow, CreatedBy: "ops@vendor.example"},
			entitle.AuditEvent{At: importNow, Actor: "ops@vendor.example", Company: "VENDOR", Action: "announcement.post", Object: title, Outcome: "ok"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	webinar := post("Webinar", importNow.Add(-day), importNow.Add(3*day))
	later := post("Later", importNow.Add(2*day), importNow.Add(4*day))
	past := post("Past", importNow.Add(-3*day), importNow.Add(-day))
	if webinar.ID == 0 || webinar.Title != "Webinar" || webinar.Link != "https://vendor.example/webinar" || !webinar.Starts.Equal(importNow.Add(-day)) ||
		webinar.CreatedBy != "ops@vendor.example" || !webinar.EndedAt.IsZero() {
		t.Errorf("posted: %+v", webinar)
	}
	if _, err := db.PostAnnouncement(ctx, entitle.Announcement{Title: "x", Starts: importNow, Ends: importNow}, entitle.AuditEvent{}); err == nil {
		t.Error("an announcement that ends when it starts was posted")
	}

	titles := func(as []entitle.Announcement, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Title)
		}
		return out
	}
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %q, want %q", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: %q, want %q", what, got, want)
				return
			}
		}
	}
	same("alice now", titles(db.Banners(ctx, alice.ID, importNow)), "Webinar")
	same("alice in 2 days", titles(db.Banners(ctx, alice.ID, importNow.Add(2*day))), "Webinar", "Later")
	same("alice at the webinar's end", titles(db.Banners(ctx, alice.ID, importNow.Add(3*day))), "Later")
	same("alice after all", titles(db.Banners(ctx, alice.ID, importNow.Add(4*day))))

	// Dismissing hides it from that user only; dismissing twice is fine.
	for range 2 {
		if err := db.DismissAnnouncement(ctx, webinar.ID, alice.ID, importNow); err != nil {
			t.Fatal(err)
		}
	}
	same("alice after dismissing", titles(db.Banners(ctx, alice.ID, importNow)))
	same("bob", titles(db.Banners(ctx, bob.ID, importNow)), "Webinar")
	if err := db.DismissAnnouncement(ctx, 9999, alice.ID, importNow); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("dismissing no announcement: %v", err)
	}

	// Ending early hides it from everyone, once.
	changed, err := db.EndAnnouncement(ctx, webinar.ID, "ops@vendor.example", importNow,
		entitle.AuditEvent{At: importNow, Actor: "ops@vendor.example", Company: "VENDOR", Action: "announcement.end", Outcome: "ok"})
	if err != nil || !changed {
		t.Fatalf("end: %v %v", changed, err)
	}
	same("bob after the end", titles(db.Banners(ctx, bob.ID, importNow)))
	if changed, err := db.EndAnnouncement(ctx, webinar.ID, "x", importNow, entitle.AuditEvent{}); err != nil || changed {
		t.Errorf("ending again: %v %v", changed, err)
	}
	if changed, err := db.EndAnnouncement(ctx, past.ID, "x", importNow, entitle.AuditEvent{}); err != nil || changed {
		t.Errorf("ending one already over: %v %v", changed, err)
	}
	if _, err := db.EndAnnouncement(ctx, 9999, "x", importNow, entitle.AuditEvent{}); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("ending no announcement: %v", err)
	}
	got, err := db.Announcement(ctx, webinar.ID)
	if err != nil || !got.EndedAt.Equal(importNow) || got.EndedBy != "ops@vendor.example" || got.InForce(importNow) || !got.Over(importNow) {
		t.Errorf("ended: %+v %v", got, err)
	}
	if _, err := db.Announcement(ctx, 9999); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("no announcement: %v", err)
	}
	if !later.Starts.After(importNow) || later.InForce(importNow) || later.Over(importNow) {
		t.Errorf("later: %+v", later)
	}

	// The list: newest first, in pages.
	same("all", titles(db.Announcements(ctx, 0, 10)), "Past", "Later", "Webinar")
	page, err := db.Announcements(ctx, 0, 2)
	same("first page", titles(page, err), "Past", "Later")
	same("second page", titles(db.Announcements(ctx, page[1].ID, 2)), "Webinar")

	// Posting and ending were audited; dismissing is the user's own affair.
	events, err := db.AuditEvents(ctx, "VENDOR", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	same("audit", actions, "announcement.post", "announcement.post", "announcement.post", "announcement.end")
}
