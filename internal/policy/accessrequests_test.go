package policy_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The actors of the access request tests: the requesting company REQ (the
// user who asked, another member, an administrator), the company OWN that
// opened the link (an administrator, a member), a third company's
// administrator, the vendor's administrator, and nobody's.
var (
	arAsker     = entitle.Actor{Company: "REQ", Email: "asker@req", UserID: 1}
	arMember    = entitle.Actor{Company: "REQ", Email: "other@req", UserID: 2}
	arReqAdmin  = entitle.Actor{Company: "REQ", Email: "admin@req", UserID: 3, Admin: true}
	arOwnAdmin  = entitle.Actor{Company: "OWN", Email: "admin@own", UserID: 4, Admin: true}
	arOwnMember = entitle.Actor{Company: "OWN", Email: "member@own", UserID: 5}
	arThird     = entitle.Actor{Company: "THIRD", Email: "admin@third", UserID: 6, Admin: true}
	arVendor    = entitle.Actor{Company: "VEND", Vendor: true, Email: "admin@vend", UserID: 7, Admin: true}
	arNobody    = entitle.Actor{}
)

var arActors = []struct {
	name string
	c    entitle.Actor
}{{"asker", arAsker}, {"requester member", arMember}, {"requester admin", arReqAdmin}, {"opener admin", arOwnAdmin},
	{"opener member", arOwnMember}, {"third admin", arThird}, {"vendor admin", arVendor}, {"nobody", arNobody}}

var arNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// arRequest is a request of REQ in state status; OWN opened (open,
// expired) or answered (approved, declined) it.
func arRequest(status string) entitle.AccessRequest {
	r := entitle.AccessRequest{ID: 1, Requester: "REQ", RequestedBy: "asker@req", Days: 30, Status: status,
		CreatedAt: arNow.Add(-time.Hour), ExpiresAt: arNow.Add(time.Hour), Opened: "OWN"}
	switch status {
	case entitle.AccessRequestExpired:
		r.Status, r.ExpiresAt = entitle.AccessRequestOpen, arNow.Add(-time.Minute)
	case entitle.AccessRequestApproved, entitle.AccessRequestDeclined:
		r.Decider = "OWN"
	}
	return r
}

var arStates = []string{entitle.AccessRequestOpen, entitle.AccessRequestApproved, entitle.AccessRequestDeclined,
	entitle.AccessRequestExpired, entitle.AccessRequestWithdrawn}

// expect is a cell's expected answer: allowed, refused (forbidden, with a
// reason), or hidden (R7).
type expect int

const (
	hidden expect = iota
	refused
	allowed
)

func (e expect) String() string { return [...]string{"hidden", "refused", "allowed"}[e] }

func check(t *testing.T, cell string, d policy.Decision, want expect) {
	t.Helper()
	got := hidden
	switch {
	case d.Allowed:
		got = allowed
	case d.Visible:
		got = refused
	}
	if got != want || len(d.Reasons) == 0 {
		t.Errorf("%s: %v (%v); want %v, with a reason", cell, got, d.Reasons, want)
	}
}

func TestCreateAccessRequest(t *testing.T) {
	for _, a := range arActors {
		want := allowed
		if a.c.Company == "" {
			want = hidden
		}
		check(t, a.name, policy.CreateAccessRequest(a.c), want)
	}
}

func TestListAccessRequests(t *testing.T) {
	for _, a := range arActors {
		for _, box := range []string{"sent", "received", "all"} {
			want := allowed
			if a.c.Company == "" || box == "all" {
				want = hidden
			}
			d := policy.ListAccessRequests(a.c, box)
			check(t, a.name+" × "+box, d, want)
			if d.Allowed && d.Scope != policy.ScopeCompany {
				t.Errorf("%s × %s: scope %v; want the company's", a.name, box, d.Scope)
			}
		}
	}
}

// TestSeeAccessRequest: who sees a request by its ID, and who is told
// which company answered it — every actor × every state.
func TestSeeAccessRequest(t *testing.T) {
	see := map[string]expect{"asker": allowed, "requester member": allowed, "requester admin": allowed,
		"opener admin": allowed, "opener member": allowed}
	for _, a := range arActors {
		for _, st := range arStates {
			r := arRequest(st)
			cell := a.name + " × " + st
			d := policy.SeeAccessRequest(a.c, r)
			check(t, cell, d, see[a.name])
			if d.Allowed && d.Views.Has(policy.ViewOwnSide) != (a.c.Company == "REQ") {
				t.Errorf("%s: own side %v; only the requester sees which of its users asked", cell, d.Views)
			}
			// The decider: itself always, the requester only after an answer.
			want := hidden
			switch {
			case a.c.Company == "OWN" && r.Decider == "OWN":
				want = allowed
			case a.c.Company == "REQ" && (st == entitle.AccessRequestApproved || st == entitle.AccessRequestDeclined):
				want = allowed
			}
			check(t, cell+" (decider)", policy.SeeAccessDecider(a.c, r, arNow), want)
		}
	}
	// A third company that opened the link after another answered it sees
	// nothing of the request by its ID.
	r := arRequest(entitle.AccessRequestApproved)
	r.Opened = "THIRD"
	check(t, "third, opened after the answer", policy.SeeAccessRequest(arThird, r), hidden)
}

func TestOpenAccessLink(t *testing.T) {
	for _, a := range arActors {
		for _, st := range arStates {
			want := allowed
			if a.c.Company == "" {
				want = hidden
			}
			d := policy.OpenAccessLink(a.c, arRequest(st))
			check(t, a.name+" × "+st, d, want)
			if d.Allowed && d.Views.Has(policy.ViewOwnSide) != (a.c.Company == "REQ") {
				t.Errorf("%s × %s: own side %v", a.name, st, d.Views)
			}
		}
	}
}

// TestAnswerAccessRequest: every actor × approve/decline × owning or not.
// The state of the request (answered, expired) is not the policy's: the
// service refuses a closed one after the policy allows.
func TestAnswerAccessRequest(t *testing.T) {
	for _, a := range arActors {
		for _, action := range []string{policy.AccessApprove, policy.AccessDecline, "cancel"} {
			for _, owns := range []bool{true, false} {
				cell := fmt.Sprintf("%s × %s × owns %v", a.name, action, owns)
				var want expect
				switch {
				case a.c.Company == "" || action == "cancel":
					want = hidden
				case a.c.Company == "REQ", !a.c.Admin:
					want = refused
				case action == policy.AccessApprove && !owns:
					want = refused
				default:
					want = allowed
				}
				d := policy.AnswerAccessRequest(a.c, arRequest(entitle.AccessRequestOpen), action, owns)
				check(t, cell, d, want)
				if d.Allowed && action == policy.AccessApprove && !d.On(entitle.BasisOwner) {
					t.Errorf("%s: approves on %v; want the owner's basis (R5)", cell, d.Basis)
				}
			}
		}
	}
}

func TestWithdrawAccessRequest(t *testing.T) {
	want := map[string]expect{"asker": allowed, "requester member": refused, "requester admin": allowed}
	for _, a := range arActors {
		check(t, a.name, policy.WithdrawAccessRequest(a.c, arRequest(entitle.AccessRequestOpen)), want[a.name])
	}
}
