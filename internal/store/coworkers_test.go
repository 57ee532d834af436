package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The co-worker tests: invitations (lifecycle, duplicates, mail state),
// changes of users (disable, enable, promote, demote, the last-admin rule
// against concurrent changes) and the migration that brought them.

var coNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// coworkersStore is a fresh store with a small channel: the vendor, a
// reseller (ACME) and a customer (BETA).
func coworkersStore(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.New(t)
	company := func(line int, key string, kind entitle.Kind) entitle.Sourced[entitle.Company] {
		return entitle.Sourced[entitle.Company]{File: "companies.jsonl", Line: line, Record: entitle.Company{Key: key, Name: key + " Inc.", Kind: kind}}
	}
	mustImport(t, db, entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{
		company(1, "VENDOR", entitle.KindVendor),
		company(2, "ACME", entitle.KindReseller),
		company(3, "BETA", entitle.KindCustomer),
	}}, coNow)
	return db
}

// coUser adds an active user of company named after the address.
func coUser(t *testing.T, db *store.DB, company, email string, admin bool) entitle.User {
	t.Helper()
	return coUserStatus(t, db, company, email, admin, entitle.UserActive)
}

func coUserStatus(t *testing.T, db *store.DB, company, email string, admin bool, status entitle.UserStatus) entitle.User {
	t.Helper()
	u, err := db.AddUser(context.Background(), entitle.User{Email: email, Name: strings.Split(email, "@")[0], Company: company,
		Admin: admin, Status: status}, "hash-of-"+email, coNow)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// auditMark is the id of the last audit event: later events come after it.
func auditMark(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var last int64
	for {
		evs, err := db.AuditEvents(context.Background(), "", last, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return last
		}
		last = evs[len(evs)-1].ID
	}
}

// auditSince returns the events after mark and moves mark past them.
func auditSince(t *testing.T, db *store.DB, mark *int64) []entitle.AuditEvent {
	t.Helper()
	evs, err := db.AuditEvents(context.Background(), "", *mark, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) > 0 {
		*mark = evs[len(evs)-1].ID
	}
	return evs
}

// wantAudit checks that exactly the events with actions were written since
// mark, on object, and moves mark past them.
func wantAudit(t *testing.T, db *store.DB, mark *int64, object string, actions ...string) []entitle.AuditEvent {
	t.Helper()
	evs := auditSince(t, db, mark)
	var got []string
	for _, e := range evs {
		got = append(got, e.Action)
		if e.Object != object {
			t.Errorf("audit event %s on %q, want on %q", e.Action, e.Object, object)
		}
		if e.Outcome != "ok" {
			t.Errorf("audit event %s: outcome %q", e.Action, e.Outcome)
		}
	}
	if !slices.Equal(got, actions) {
		t.Errorf("audit events %v, want %v", got, actions)
	}
	return evs
}

func ev(action, actor, company string) entitle.AuditEvent {
	return entitle.AuditEvent{At: coNow, Actor: actor, Company: company, Action: action, Outcome: "ok"}
}

func allow(entitle.Invitation) error { return nil }

func ids(invs []entitle.Invitation) []int64 {
	out := []int64{}
	for _, inv := range invs {
		out = append(out, inv.ID)
	}
	return out
}

func openIDs(t *testing.T, db *store.DB, company string, inviter, after int64, limit int) []int64 {
	t.Helper()
	invs, err := db.OpenInvitations(context.Background(), company, inviter, after, limit)
	if err != nil {
		t.Fatal(err)
	}
	return ids(invs)
}

func mustInvitation(t *testing.T, db *store.DB, id int64) entitle.Invitation {
	t.Helper()
	inv, err := db.Invitation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestInvitationLifecycle: an invitation by a user and one by the operator
// (as administrator) are recorded with their inviter, queued mail and one
// audit event; pages of open invitations; mail state recorded for the
// current link only; a new link replaces the old one; revoke and accept
// close the invitation; each successful change writes one audit event, a
// refused one none.
func TestInvitationLifecycle(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", true)
	bob := coUser(t, db, "ACME", "bob@acme.example", false)
	mark := auditMark(t, db)
	week := coNow.Add(7 * 24 * time.Hour)

	create := func(email, company string, inviter entitle.User, admin bool, hash string) entitle.Invitation {
		t.Helper()
		actor := inviter.Email
		if inviter.ID == 0 {
			actor = "cli"
		}
		inv, err := db.CreateInvitation(ctx, entitle.Invitation{Email: email, Company: company, InviterID: inviter.ID, Admin: admin,
			TokenHash: hash, CreatedAt: coNow, ExpiresAt: week}, ev("invitation.create", actor, inviter.Company))
		if err != nil {
			t.Fatalf("invite %s: %v", email, err)
		}
		return inv
	}

	// By a user: the address normalized, the inviter read back, mail queued.
	carol := create("  Carol@ACME.example ", "ACME", ann, false, "h-carol")
	want := entitle.Invitation{ID: carol.ID, Email: "carol@acme.example", Company: "ACME", InviterID: ann.ID,
		InviterEmail: "ann@acme.example", InviterName: "ann", TokenHash: "h-carol", CreatedAt: coNow, ExpiresAt: week,
		Mail: entitle.MailState{Status: entitle.MailQueued}}
	if diff := cmp.Diff(want, carol); diff != "" {
		t.Errorf("created invitation (-want +got):\n%s", diff)
	}
	if s := carol.State(coNow); s != entitle.InvitationPending || !carol.Open() {
		t.Errorf("new invitation: state %s, open %v", s, carol.Open())
	}
	if s := carol.State(week); s != entitle.InvitationExpired || !carol.Open() {
		t.Errorf("at its expiry: state %s, open %v", s, carol.Open())
	}
	evs := wantAudit(t, db, &mark, "carol@acme.example", "invitation.create")
	if len(evs) == 1 && (evs[0].Actor != "ann@acme.example" || evs[0].Company != "ACME") {
		t.Errorf("audit event %+v", evs[0])
	}

	// By the operator, as administrator: no inviter.
	dave := create("dave@acme.example", "ACME", entitle.User{}, true, "h-dave")
	want = entitle.Invitation{ID: dave.ID, Email: "dave@acme.example", Company: "ACME", Admin: true, TokenHash: "h-dave",
		CreatedAt: coNow, ExpiresAt: week, Mail: entitle.MailState{Status: entitle.MailQueued}}
	if diff := cmp.Diff(want, dave); diff != "" {
		t.Errorf("operator's invitation (-want +got):\n%s", diff)
	}
	evs = wantAudit(t, db, &mark, "dave@acme.example", "invitation.create")
	if len(evs) == 1 && (evs[0].Actor != "cli" || evs[0].Company != "") {
		t.Errorf("audit event %+v", evs[0])
	}
	for _, inv := range []entitle.Invitation{carol, dave} {
		if got := mustInvitation(t, db, inv.ID); !cmp.Equal(got, inv) {
			t.Errorf("Invitation(%d) = %+v, want %+v", inv.ID, got, inv)
		}
		got, err := db.InvitationByToken(ctx, inv.TokenHash)
		if err != nil || !cmp.Equal(got, inv) {
			t.Errorf("InvitationByToken(%s) = %+v, %v; want %+v", inv.TokenHash, got, err, inv)
		}
	}
	if _, err := db.Invitation(ctx, 1<<40); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("unknown invitation: %v", err)
	}
	if _, err := db.InvitationByToken(ctx, "h-nobody"); !errors.Is(err, entitle.ErrInvitationUnknown) {
		t.Errorf("unknown token: %v", err)
	}
	if _, err := db.CreateInvitation(ctx, entitle.Invitation{Email: "x@nowhere.example", Company: "NOWHERE", TokenHash: "h-x",
		CreatedAt: coNow, ExpiresAt: week}, ev("invitation.create", "cli", "")); err == nil ||
		!strings.Contains(err.Error(), "no company with key NOWHERE") {
		t.Errorf("invitation to an unknown company: %v", err)
	}

	erin := create("erin@acme.example", "ACME", bob, false, "h-erin")
	gina := create("gina@acme.example", "ACME", ann, false, "h-gina")
	frank := create("frank@beta.example", "BETA", entitle.User{}, false, "h-frank")
	var objects []string
	for _, e := range auditSince(t, db, &mark) {
		objects = append(objects, e.Action+" "+e.Object)
	}
	if want := []string{"invitation.create erin@acme.example", "invitation.create gina@acme.example", "invitation.create frank@beta.example"}; !slices.Equal(objects, want) {
		t.Errorf("audit events %v, want %v", objects, want)
	}

	// Pages by id, of one company, optionally of one inviter.
	if got, want := openIDs(t, db, "ACME", 0, 0, 10), []int64{carol.ID, dave.ID, erin.ID, gina.ID}; !slices.Equal(got, want) {
		t.Errorf("open invitations of ACME %v, want %v", got, want)
	}
	if got, want := openIDs(t, db, "ACME", 0, 0, 2), []int64{carol.ID, dave.ID}; !slices.Equal(got, want) {
		t.Errorf("first page %v, want %v", got, want)
	}
	if got, want := openIDs(t, db, "ACME", 0, dave.ID, 2), []int64{erin.ID, gina.ID}; !slices.Equal(got, want) {
		t.Errorf("second page %v, want %v", got, want)
	}
	if got := openIDs(t, db, "ACME", 0, gina.ID, 2); len(got) != 0 {
		t.Errorf("after the last: %v", got)
	}
	if got, want := openIDs(t, db, "ACME", ann.ID, 0, 10), []int64{carol.ID, gina.ID}; !slices.Equal(got, want) {
		t.Errorf("ann's invitations %v, want %v", got, want)
	}
	if got, want := openIDs(t, db, "ACME", ann.ID, carol.ID, 1), []int64{gina.ID}; !slices.Equal(got, want) {
		t.Errorf("ann's second page %v, want %v", got, want)
	}
	if got, want := openIDs(t, db, "ACME", bob.ID, 0, 10), []int64{erin.ID}; !slices.Equal(got, want) {
		t.Errorf("bob's invitations %v, want %v", got, want)
	}
	if got, want := openIDs(t, db, "BETA", 0, 0, 10), []int64{frank.ID}; !slices.Equal(got, want) {
		t.Errorf("open invitations of BETA %v, want %v", got, want)
	}

	// The mail state of the current link is recorded, not audited.
	sent := entitle.MailState{Status: entitle.MailSent, Attempts: 1, At: coNow.Add(time.Minute)}
	if err := db.RecordMail(ctx, carol.ID, "h-carol", sent); err != nil {
		t.Fatal(err)
	}
	if got := mustInvitation(t, db, carol.ID).Mail; !cmp.Equal(got, sent) {
		t.Errorf("mail state %+v, want %+v", got, sent)
	}
	wantAudit(t, db, &mark, "")

	// A new link: the old one stops working, the mail is queued again, the
	// invitation runs longer; one audit event.
	var seen entitle.Invitation
	twoWeeks := coNow.Add(14 * 24 * time.Hour)
	re, err := db.ReissueInvitation(ctx, carol.ID, func(inv entitle.Invitation) error { seen = inv; return nil },
		"h-carol-2", twoWeeks, ev("invitation.resend", "ann@acme.example", "ACME"))
	if err != nil {
		t.Fatal(err)
	}
	if seen.ID != carol.ID || seen.TokenHash != "h-carol" || !cmp.Equal(seen.Mail, sent) {
		t.Errorf("reissue check saw %+v", seen)
	}
	want = carol
	want.TokenHash, want.ExpiresAt, want.Mail = "h-carol-2", twoWeeks, entitle.MailState{Status: entitle.MailQueued}
	if diff := cmp.Diff(want, re); diff != "" {
		t.Errorf("reissued (-want +got):\n%s", diff)
	}
	if got := mustInvitation(t, db, carol.ID); !cmp.Equal(got, want) {
		t.Errorf("reissued, read back: %+v, want %+v", got, want)
	}
	if _, err := db.InvitationByToken(ctx, "h-carol"); !errors.Is(err, entitle.ErrInvitationUnknown) {
		t.Errorf("old link after reissue: %v", err)
	}
	if got, err := db.InvitationByToken(ctx, "h-carol-2"); err != nil || got.ID != carol.ID {
		t.Errorf("new link: %+v, %v", got, err)
	}
	wantAudit(t, db, &mark, "carol@acme.example", "invitation.resend")

	// The outcome of the old link's mail is not the invitation's any more.
	if err := db.RecordMail(ctx, carol.ID, "h-carol", entitle.MailState{Status: entitle.MailFailed, Attempts: 5, Error: "old link", At: coNow}); err != nil {
		t.Fatal(err)
	}
	if got := mustInvitation(t, db, carol.ID).Mail; !cmp.Equal(got, entitle.MailState{Status: entitle.MailQueued}) {
		t.Errorf("old link's outcome recorded: %+v", got)
	}
	retrying := entitle.MailState{Status: entitle.MailRetrying, Attempts: 2, Error: "mail server said 451", At: coNow.Add(2 * time.Minute)}
	if err := db.RecordMail(ctx, carol.ID, "h-carol-2", retrying); err != nil {
		t.Fatal(err)
	}
	if got := mustInvitation(t, db, carol.ID).Mail; !cmp.Equal(got, retrying) {
		t.Errorf("mail state %+v, want %+v", got, retrying)
	}

	// A refusing check: its error, unchanged; nothing changes.
	errNo := errors.New("not yours")
	refuse := func(entitle.Invitation) error { return errNo }
	before := mustInvitation(t, db, carol.ID)
	if _, err := db.ReissueInvitation(ctx, carol.ID, refuse, "h-carol-3", coNow.Add(30*24*time.Hour), ev("invitation.resend", "bob@acme.example", "ACME")); err != errNo {
		t.Errorf("refused reissue: %v, want %v", err, errNo)
	}
	if _, err := db.RevokeInvitation(ctx, carol.ID, refuse, coNow, ev("invitation.revoke", "bob@acme.example", "ACME")); err != errNo {
		t.Errorf("refused revoke: %v, want %v", err, errNo)
	}
	if got := mustInvitation(t, db, carol.ID); !cmp.Equal(got, before) {
		t.Errorf("refused changes changed %+v to %+v", before, got)
	}
	wantAudit(t, db, &mark, "")

	// Revoke: closed at once, once.
	revokedAt := coNow.Add(time.Hour)
	seen = entitle.Invitation{}
	rv, err := db.RevokeInvitation(ctx, erin.ID, func(inv entitle.Invitation) error { seen = inv; return nil }, revokedAt,
		ev("invitation.revoke", "ann@acme.example", "ACME"))
	if err != nil {
		t.Fatal(err)
	}
	if seen.ID != erin.ID || !seen.Open() {
		t.Errorf("revoke check saw %+v", seen)
	}
	want = erin
	want.RevokedAt = revokedAt
	if diff := cmp.Diff(want, rv); diff != "" {
		t.Errorf("revoked (-want +got):\n%s", diff)
	}
	got := mustInvitation(t, db, erin.ID)
	if !cmp.Equal(got, want) || got.State(coNow) != entitle.InvitationRevoked || got.Open() {
		t.Errorf("revoked, read back: %+v (state %s)", got, got.State(coNow))
	}
	wantAudit(t, db, &mark, "erin@acme.example", "invitation.revoke")
	if _, err := db.RevokeInvitation(ctx, erin.ID, allow, revokedAt.Add(time.Hour), ev("invitation.revoke", "ann@acme.example", "ACME")); !errors.Is(err, entitle.ErrInvitationClosed) {
		t.Errorf("second revoke: %v", err)
	}
	if _, err := db.ReissueInvitation(ctx, erin.ID, allow, "h-erin-2", twoWeeks, ev("invitation.resend", "ann@acme.example", "ACME")); !errors.Is(err, entitle.ErrInvitationClosed) {
		t.Errorf("reissue of a revoked invitation: %v", err)
	}
	if got := mustInvitation(t, db, erin.ID); !got.RevokedAt.Equal(revokedAt) || got.TokenHash != "h-erin" {
		t.Errorf("closed invitation changed: %+v", got)
	}
	if _, err := db.RevokeInvitation(ctx, 1<<40, allow, coNow, ev("invitation.revoke", "cli", "")); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("revoke of an unknown invitation: %v", err)
	}
	if _, err := db.ReissueInvitation(ctx, 1<<40, allow, "h-none", twoWeeks, ev("invitation.resend", "cli", "")); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("reissue of an unknown invitation: %v", err)
	}
	if _, err := db.AcceptInvitation(ctx, "h-erin", "Erin", "pw", coNow.Add(3*time.Hour), ev("invitation.accept", "", "")); !errors.Is(err, entitle.ErrInvitationRevoked) {
		t.Errorf("accept of a revoked invitation: %v", err)
	}
	if got, want := openIDs(t, db, "ACME", 0, 0, 10), []int64{carol.ID, dave.ID, gina.ID}; !slices.Equal(got, want) {
		t.Errorf("open invitations after a revoke %v, want %v", got, want)
	}
	wantAudit(t, db, &mark, "")

	// An address that has become a user's (of any company) is not invited again.
	coUser(t, db, "BETA", "Gina@acme.example", false)
	mark = auditMark(t, db)
	if _, err := db.ReissueInvitation(ctx, gina.ID, allow, "h-gina-2", twoWeeks, ev("invitation.resend", "ann@acme.example", "ACME")); !errors.Is(err, entitle.ErrAlreadyInvited) {
		t.Errorf("reissue to a user's address: %v", err)
	}
	if got := mustInvitation(t, db, gina.ID); !cmp.Equal(got, gina) {
		t.Errorf("refused reissue changed %+v to %+v", gina, got)
	}
	wantAudit(t, db, &mark, "")

	// Accept of an administrator's invitation: an administrator of the
	// inviting company; the invitation is closed, once.
	acceptAt := coNow.Add(2 * time.Hour)
	u, err := db.AcceptInvitation(ctx, "h-dave", "Dave", "pw-dave", acceptAt, ev("invitation.accept", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "dave@acme.example" || u.Company != "ACME" || !u.Admin || u.Status != entitle.UserActive || u.Name != "Dave" || u.ID == 0 {
		t.Errorf("accepted: %+v", u)
	}
	if back, err := db.UserByID(ctx, u.ID); err != nil || !back.Admin || back.Company != "ACME" || back.PasswordHash != "pw-dave" || !back.CreatedAt.Equal(acceptAt) {
		t.Errorf("new user read back: %+v, %v", back, err)
	}
	evs = wantAudit(t, db, &mark, "dave@acme.example", "invitation.accept")
	if len(evs) == 1 && (evs[0].Actor != "dave@acme.example" || evs[0].Company != "ACME") {
		t.Errorf("accept audit event %+v", evs[0])
	}
	if got := mustInvitation(t, db, dave.ID); got.State(acceptAt) != entitle.InvitationAccepted || !got.AcceptedAt.Equal(acceptAt) || got.Open() {
		t.Errorf("accepted invitation: %+v", got)
	}
	if _, err := db.AcceptInvitation(ctx, "h-dave", "Dave", "pw", acceptAt, ev("invitation.accept", "", "")); !errors.Is(err, entitle.ErrInvitationUsed) {
		t.Errorf("second accept: %v", err)
	}
	if _, err := db.RevokeInvitation(ctx, dave.ID, allow, acceptAt, ev("invitation.revoke", "ann@acme.example", "ACME")); !errors.Is(err, entitle.ErrInvitationClosed) {
		t.Errorf("revoke of an accepted invitation: %v", err)
	}
	if _, err := db.ReissueInvitation(ctx, dave.ID, allow, "h-dave-2", twoWeeks, ev("invitation.resend", "ann@acme.example", "ACME")); !errors.Is(err, entitle.ErrInvitationClosed) {
		t.Errorf("reissue of an accepted invitation: %v", err)
	}
	wantAudit(t, db, &mark, "")

	// A replaced link cannot be accepted; the current one can, as a user
	// who is not an administrator; an expired one cannot.
	if _, err := db.AcceptInvitation(ctx, "h-carol", "Carol", "pw", acceptAt, ev("invitation.accept", "", "")); !errors.Is(err, entitle.ErrInvitationUnknown) {
		t.Errorf("accept of a replaced link: %v", err)
	}
	if _, err := db.AcceptInvitation(ctx, "h-frank", "Frank", "pw", week, ev("invitation.accept", "", "")); !errors.Is(err, entitle.ErrInvitationExpired) {
		t.Errorf("accept at expiry: %v", err)
	}
	wantAudit(t, db, &mark, "")
	u, err = db.AcceptInvitation(ctx, "h-carol-2", "Carol", "pw-carol", week, ev("invitation.accept", "", "")) // the new link runs two weeks
	if err != nil {
		t.Fatal(err)
	}
	if u.Admin || u.Company != "ACME" {
		t.Errorf("accepted: %+v", u)
	}
	wantAudit(t, db, &mark, "carol@acme.example", "invitation.accept")
	if got, want := openIDs(t, db, "ACME", 0, 0, 10), []int64{gina.ID}; !slices.Equal(got, want) {
		t.Errorf("open invitations at the end %v, want %v", got, want)
	}
}

// TestInvitationDuplicates: an address a user or an open, unexpired
// invitation has (of any company, in any case or spacing) is not invited
// again; an expired open invitation is closed and a new one made.
func TestInvitationDuplicates(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", true)
	coUser(t, db, "BETA", "zed@beta.example", true)
	week := coNow.Add(7 * 24 * time.Hour)
	n := 0
	invite := func(email, company string, created, expires time.Time) (entitle.Invitation, error) {
		n++
		return db.CreateInvitation(ctx, entitle.Invitation{Email: email, Company: company, InviterID: ann.ID,
			TokenHash: fmt.Sprintf("h-%d", n), CreatedAt: created, ExpiresAt: expires}, ev("invitation.create", "ann@acme.example", "ACME"))
	}
	pat, err := invite("pat@acme.example", "ACME", coNow, week)
	if err != nil {
		t.Fatal(err)
	}
	mark := auditMark(t, db)
	counts := dataCounts(t, db)
	for _, tc := range []struct{ email, company string }{
		{"pat@acme.example", "ACME"},
		{"  PAT@Acme.Example\t", "ACME"},
		{"Pat@acme.example ", "BETA"},      // another company's invitation
		{" ZED@beta.example", "ACME"},      // a user of another company
		{"ann@ACME.example", "ACME"},       // a user of the same company
		{"zed@beta.example", "BETA"},       // a user of the same company
		{"\tpat@acme.EXAMPLE\n", "VENDOR"}, // any company
	} {
		if _, err := invite(tc.email, tc.company, coNow.Add(time.Hour), week); !errors.Is(err, entitle.ErrAlreadyInvited) {
			t.Errorf("invite %q to %s: %v, want ErrAlreadyInvited", tc.email, tc.company, err)
		}
	}
	if diff := cmp.Diff(counts, dataCounts(t, db)); diff != "" {
		t.Errorf("refused invitations changed the store (-before +after):\n%s", diff)
	}
	wantAudit(t, db, &mark, "")

	// Expired (at the very instant of the new invitation): closed, and the
	// new one made, by another company.
	quinn, err := invite("quinn@acme.example", "ACME", coNow, coNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := invite("quinn@acme.example", "BETA", coNow.Add(time.Hour-time.Microsecond), week); !errors.Is(err, entitle.ErrAlreadyInvited) {
		t.Errorf("a microsecond before expiry: %v", err)
	}
	mark = auditMark(t, db)
	later := coNow.Add(time.Hour)
	quinn2, err := invite(" Quinn@acme.example", "BETA", later, week)
	if err != nil {
		t.Fatalf("invitation after the old one expired: %v", err)
	}
	if quinn2.Company != "BETA" || quinn2.Email != "quinn@acme.example" || !quinn2.Open() || quinn2.State(later) != entitle.InvitationPending {
		t.Errorf("new invitation %+v", quinn2)
	}
	old := mustInvitation(t, db, quinn.ID)
	if !old.RevokedAt.Equal(later) || old.State(later) != entitle.InvitationRevoked {
		t.Errorf("the expired invitation was not closed: %+v", old)
	}
	wantAudit(t, db, &mark, "quinn@acme.example", "invitation.create")
	if got, want := openIDs(t, db, "ACME", 0, 0, 10), []int64{pat.ID}; !slices.Equal(got, want) {
		t.Errorf("open invitations of ACME %v, want %v", got, want)
	}
	if got, want := openIDs(t, db, "BETA", 0, 0, 10), []int64{quinn2.ID}; !slices.Equal(got, want) {
		t.Errorf("open invitations of BETA %v, want %v", got, want)
	}
	if _, err := db.AcceptInvitation(ctx, old.TokenHash, "Quinn", "pw", later, ev("invitation.accept", "", "")); !errors.Is(err, entitle.ErrInvitationRevoked) {
		t.Errorf("accept of the closed invitation: %v", err)
	}

	// A revoked invitation does not stand in the way; an accepted one does
	// (its address is a user's).
	if _, err := db.RevokeInvitation(ctx, pat.ID, allow, later, ev("invitation.revoke", "ann@acme.example", "ACME")); err != nil {
		t.Fatal(err)
	}
	pat2, err := invite("pat@acme.example", "ACME", later, week)
	if err != nil {
		t.Fatalf("invitation after a revoke: %v", err)
	}
	if _, err := db.AcceptInvitation(ctx, pat2.TokenHash, "Pat", "pw", later, ev("invitation.accept", "", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := invite("pat@acme.example", "BETA", later, week); !errors.Is(err, entitle.ErrAlreadyInvited) {
		t.Errorf("invitation of an accepted address: %v", err)
	}
}

// TestConcurrentInvitationsOfOneAddress: co-workers inviting the same
// address at the same instant make exactly one invitation; the others are
// told the address is invited already.
func TestConcurrentInvitationsOfOneAddress(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", true)
	for round := range 5 {
		email := fmt.Sprintf("new%d@acme.example", round)
		const n = 6
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = db.CreateInvitation(ctx, entitle.Invitation{Email: email, Company: []string{"ACME", "BETA"}[i%2], InviterID: ann.ID,
					TokenHash: fmt.Sprintf("h-%d-%d", round, i), CreatedAt: coNow, ExpiresAt: coNow.Add(time.Hour)},
					ev("invitation.create", "ann@acme.example", "ACME"))
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, entitle.ErrAlreadyInvited):
				t.Errorf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d invitations made, want 1", round, ok)
		}
	}
}

// TestChangeUser: each effective change is applied and audited as its own
// event; disabling ends the user's sessions; a change to what the user is
// already records nothing; the check sees the company's other active
// administrators and may refuse.
func TestChangeUser(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", true)
	bob := coUser(t, db, "ACME", "bob@acme.example", true)
	cat := coUser(t, db, "ACME", "cat@acme.example", false)
	dan := coUserStatus(t, db, "ACME", "dan@acme.example", true, entitle.UserDisabled) // a disabled administrator
	coUser(t, db, "BETA", "eve@beta.example", true)
	coUser(t, db, "BETA", "fay@beta.example", true)
	coUser(t, db, "VENDOR", "vic@vendor.example", true)
	for i, u := range []entitle.User{ann, bob, cat, dan} {
		if err := db.CreateSession(ctx, u.ID, fmt.Sprintf("s-%s", u.Email), "", entitle.SessionMeta{}, coNow, coNow.Add(24*time.Hour),
			ev("session.create", u.Email, "ACME")); err != nil {
			t.Fatal(i, err)
		}
	}
	mark := auditMark(t, db)
	status := func(s entitle.UserStatus) *entitle.UserStatus { return &s }
	admin := func(b bool) *bool { return &b }
	byAnn := ev("", "ann@acme.example", "ACME")

	// others counts the active administrators of the user's company but the user.
	others := func(id int64) int {
		t.Helper()
		n := -1
		if _, err := db.ChangeUser(ctx, id, entitle.UserChange{}, func(u entitle.UserRecord, o int) error {
			if u.ID != id {
				t.Errorf("check saw user %d, want %d", u.ID, id)
			}
			n = o
			return nil
		}, byAnn); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		u    entitle.User
		want int
	}{{ann, 1}, {bob, 1}, {cat, 2}, {dan, 2}} {
		if got := others(tc.u.ID); got != tc.want {
			t.Errorf("%s: check saw %d other active administrators, want %d", tc.u.Email, got, tc.want)
		}
	}
	wantAudit(t, db, &mark, "")

	change := func(u entitle.User, ch entitle.UserChange, actions ...string) entitle.UserRecord {
		t.Helper()
		var seen entitle.UserRecord
		got, err := db.ChangeUser(ctx, u.ID, ch, func(u entitle.UserRecord, _ int) error { seen = u; return nil }, byAnn)
		if err != nil {
			t.Fatal(err)
		}
		if seen.ID != u.ID {
			t.Errorf("check saw %+v", seen)
		}
		back, err := db.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(got, back) {
			t.Errorf("ChangeUser returned %+v, the store has %+v", got, back)
		}
		evs := wantAudit(t, db, &mark, u.Email, actions...)
		for _, e := range evs {
			if e.Actor != "ann@acme.example" || e.Company != "ACME" {
				t.Errorf("audit event %+v", e)
			}
		}
		return got
	}

	// Disable: the user's sessions end, others' stay.
	got := change(cat, entitle.UserChange{Status: status(entitle.UserDisabled)}, "user.disable")
	if got.Status != entitle.UserDisabled || got.Admin {
		t.Errorf("disabled: %+v", got)
	}
	if _, _, err := db.UserBySession(ctx, "s-cat@acme.example", coNow); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("session of a disabled user: %v", err)
	}
	if u, _, err := db.UserBySession(ctx, "s-bob@acme.example", coNow); err != nil || u.ID != bob.ID {
		t.Errorf("session of another user: %+v, %v", u, err)
	}
	change(cat, entitle.UserChange{Status: status(entitle.UserDisabled)}) // no-op
	got = change(cat, entitle.UserChange{Status: status(entitle.UserActive)}, "user.enable")
	if got.Status != entitle.UserActive {
		t.Errorf("enabled: %+v", got)
	}
	if _, _, err := db.UserBySession(ctx, "s-cat@acme.example", coNow); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("a session came back with enable: %v", err)
	}
	if got = change(cat, entitle.UserChange{Admin: admin(true)}, "user.promote"); !got.Admin {
		t.Errorf("promoted: %+v", got)
	}
	change(cat, entitle.UserChange{Admin: admin(true), Status: status(entitle.UserActive)}) // no-op
	if got := others(ann.ID); got != 2 {
		t.Errorf("after promoting cat, ann has %d other active administrators, want 2", got)
	}
	if got = change(cat, entitle.UserChange{Admin: admin(false)}, "user.demote"); got.Admin {
		t.Errorf("demoted: %+v", got)
	}
	change(cat, entitle.UserChange{}) // no-op
	// Both at once: two events, status first.
	if got = change(cat, entitle.UserChange{Status: status(entitle.UserDisabled), Admin: admin(true)}, "user.disable", "user.promote"); !got.Admin || got.Status != entitle.UserDisabled {
		t.Errorf("disabled and promoted: %+v", got)
	}
	if got := others(ann.ID); got != 1 {
		t.Errorf("a disabled administrator counted: ann has %d others, want 1", got)
	}
	change(dan, entitle.UserChange{Status: status(entitle.UserActive)}, "user.enable")
	if got := others(ann.ID); got != 2 {
		t.Errorf("after enabling dan, ann has %d others, want 2", got)
	}
	// Disabling an administrator: the others see one fewer.
	change(bob, entitle.UserChange{Status: status(entitle.UserDisabled)}, "user.disable")
	change(dan, entitle.UserChange{Admin: admin(false)}, "user.demote")
	if got := others(ann.ID); got != 0 {
		t.Errorf("ann alone: check saw %d others, want 0", got)
	}
	if _, _, err := db.UserBySession(ctx, "s-ann@acme.example", coNow); err != nil {
		t.Errorf("ann's session ended with others' changes: %v", err)
	}

	// A refusing check: its error as is, nothing changes, nothing recorded.
	errLast := errors.New("the last active administrator stays")
	before, err := db.UserByID(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range []entitle.UserChange{{Admin: admin(false)}, {Status: status(entitle.UserDisabled)}, {Admin: admin(false), Status: status(entitle.UserDisabled)}} {
		if _, err := db.ChangeUser(ctx, ann.ID, ch, func(_ entitle.UserRecord, others int) error {
			if others == 0 {
				return errLast
			}
			return nil
		}, byAnn); err != errLast {
			t.Errorf("refused change: %v, want %v", err, errLast)
		}
	}
	if after, err := db.UserByID(ctx, ann.ID); err != nil || !cmp.Equal(before, after) {
		t.Errorf("refused change changed %+v to %+v (%v)", before, after, err)
	}
	if _, _, err := db.UserBySession(ctx, "s-ann@acme.example", coNow); err != nil {
		t.Errorf("a refused disable ended the session: %v", err)
	}
	wantAudit(t, db, &mark, "")

	// Unknown user: not found, the check never called.
	called := false
	if _, err := db.ChangeUser(ctx, 1<<40, entitle.UserChange{Status: status(entitle.UserDisabled)}, func(entitle.UserRecord, int) error {
		called = true
		return nil
	}, byAnn); !errors.Is(err, entitle.ErrNotFound) || called {
		t.Errorf("unknown user: %v (check called: %v)", err, called)
	}
	wantAudit(t, db, &mark, "")
}

// TestLastAdminConcurrentDemotions: of a company's two active
// administrators, each demotes (or disables) the other at the same instant,
// under the rule that the last active administrator stays. Exactly one
// change wins, whatever the interleaving: on PostgreSQL the check and the
// write are one serializable transaction, retried when it loses the race.
func TestLastAdminConcurrentDemotions(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	a := coUser(t, db, "ACME", "a@acme.example", true)
	b := coUser(t, db, "ACME", "b@acme.example", true)
	coUser(t, db, "ACME", "c@acme.example", false)
	coUser(t, db, "BETA", "z@beta.example", true) // another company's: never counted
	errLast := errors.New("the last active administrator stays")
	lastAdmin := func(_ entitle.UserRecord, others int) error {
		if others == 0 {
			return errLast
		}
		return nil
	}
	active, admin, isAdmin := entitle.UserActive, true, false
	disabled := entitle.UserDisabled
	const rounds = 20
	for round := range rounds {
		// Reset: both active administrators.
		for _, u := range []entitle.User{a, b} {
			if _, err := db.ChangeUser(ctx, u.ID, entitle.UserChange{Status: &active, Admin: &admin}, func(entitle.UserRecord, int) error { return nil },
				ev("", "cli", "")); err != nil {
				t.Fatal(err)
			}
		}
		ch := entitle.UserChange{Admin: &isAdmin} // demote
		if round%2 == 1 {
			ch = entitle.UserChange{Status: &disabled}
		}
		var errs [2]error
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, pair := range [][2]entitle.User{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = db.ChangeUser(ctx, pair[1].ID, ch, lastAdmin, ev("", pair[0].Email, "ACME"))
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, errLast):
				t.Errorf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d changes won, want exactly 1 (errors %v)", round, won, errs)
		}
		users, err := db.UsersOf(ctx, "ACME")
		if err != nil {
			t.Fatal(err)
		}
		admins := 0
		for _, u := range users {
			if u.Admin && u.Status == entitle.UserActive {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("round %d: %d active administrators left, want 1 (errors %v)", round, admins, errs)
		}
	}
}

// TestMigrationKeepsInvitations: invitations made before co-worker
// administration (schema version 3) survive the migration to version 4,
// with their mail counted as sent once, at their creation; the indexes of
// the table are kept.
func TestMigrationKeepsInvitations(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	raw, q := rawDB(t, dsn)
	p := migrator(t, raw)
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 3 {
		t.Fatalf("version %d, %v; want 3", v, err)
	}
	created, expires, accepted := coNow.UnixMicro(), coNow.Add(7*24*time.Hour).UnixMicro(), coNow.Add(time.Hour).UnixMicro()
	var companyID, userID, openID, acceptedID int64
	for _, st := range []struct {
		query string
		args  []any
		id    *int64
	}{
		{`INSERT INTO companies (key, name, kind) VALUES (?, ?, ?) RETURNING id`, []any{"ACME", "Acme", "reseller"}, &companyID},
		{`INSERT INTO users (email, name, company_id, admin, status, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			[]any{"ann@acme.example", "Ann", &companyID, true, "active", "h", created}, &userID},
		{`INSERT INTO invitations (email, company_id, inviter_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			[]any{"bob@acme.example", &companyID, &userID, "h-bob", created, expires}, &openID},
		{`INSERT INTO invitations (email, company_id, inviter_id, token_hash, created_at, expires_at, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			[]any{"cat@acme.example", &companyID, &userID, "h-cat", created, expires, accepted}, &acceptedID},
	} {
		args := make([]any, len(st.args))
		for i, a := range st.args {
			if p, ok := a.(*int64); ok {
				a = *p
			}
			args[i] = a
		}
		if err := raw.QueryRowContext(ctx, q(st.query), args...).Scan(st.id); err != nil {
			t.Fatalf("%s: %v", st.query, err)
		}
	}
	raw.Close()

	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Version(ctx); err != nil || v < 4 {
		t.Fatalf("version %d, %v; want at least 4", v, err)
	}
	want := entitle.Invitation{ID: openID, Email: "bob@acme.example", Company: "ACME", InviterID: userID, InviterEmail: "ann@acme.example",
		InviterName: "Ann", TokenHash: "h-bob", CreatedAt: coNow, ExpiresAt: coNow.Add(7 * 24 * time.Hour),
		Mail: entitle.MailState{Status: entitle.MailSent, Attempts: 1, At: coNow}}
	got, err := db.Invitation(ctx, openID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("open invitation after the migration (-want +got):\n%s", diff)
	}
	want.ID, want.Email, want.TokenHash, want.AcceptedAt = acceptedID, "cat@acme.example", "h-cat", coNow.Add(time.Hour)
	if got, err := db.InvitationByToken(ctx, "h-cat"); err != nil || !cmp.Equal(got, want) {
		t.Errorf("accepted invitation after the migration: %+v, %v; want %+v", got, err, want)
	}
	if got, want := openIDs(t, db, "ACME", userID, 0, 10), []int64{openID}; !slices.Equal(got, want) {
		t.Errorf("open invitations after the migration %v, want %v", got, want)
	}

	// The table's indexes survived (SQLite rebuilds the table).
	raw, _ = rawDB(t, dsn)
	indexes := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'invitations' AND name IN ('invitations_one_open', 'invitations_company')`
	if storetest.Backend() == "postgres" {
		indexes = `SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'invitations' AND indexname IN ('invitations_one_open', 'invitations_company')`
	}
	var n int
	if err := raw.QueryRowContext(ctx, indexes).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d of the 2 indexes of invitations after the migration (%v)", n, err)
	}
	// The one-open-invitation-per-address index still holds.
	if _, err := raw.ExecContext(ctx, q(`INSERT INTO invitations (email, company_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		"bob@acme.example", companyID, "h-bob-2", created, expires); err == nil {
		t.Errorf("a second open invitation of one address was recorded")
	}
	// New invitations: by the operator, as administrator, mail queued.
	op, err := db.CreateInvitation(ctx, entitle.Invitation{Email: "dee@acme.example", Company: "ACME", Admin: true, TokenHash: "h-dee",
		CreatedAt: coNow, ExpiresAt: coNow.Add(time.Hour)}, ev("invitation.create", "cli", ""))
	if err != nil {
		t.Fatal(err)
	}
	if op.InviterID != 0 || !op.Admin || op.Mail.Status != entitle.MailQueued {
		t.Errorf("new invitation after the migration: %+v", op)
	}
}
