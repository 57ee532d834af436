package web_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accessrequests"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix's checkers of access requests (issue 14). The world holds one
// request, asked by OUT's member and declined by OWN's administrator: every
// subject asks about it — by its ID, and by its link — and about a request
// and a link that do not exist. Each answer is held to the functions of
// internal/policy (accessrequests.go); a change is asked so that the world
// stays as it is: the request is closed (the allowed party's 409), a new
// one is asked with a duration that is none (422).

// accessWorld is the world's access request and its link's secret.
type accessWorld struct {
	req    entitle.AccessRequest
	secret string
}

const missingSecret = "no-such-link-secret"

// seedAccessRequests asks and declines the world's request.
func (w *mworld) seedAccessRequests(t *testing.T, ctx context.Context) {
	t.Helper()
	svc := w.svc.AccessRequests
	asker, decider := w.userOf("OUT", false), w.userOf("OWN", true)
	created, err := svc.Create(ctx, asker.actor, accessrequests.Ask{Message: "We look after your sites now.", Days: 30, SubscriptionIDs: []string{"SUB-A1", "SUB-B1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, _ := strings.Cut(created.Link, "token=")
	if _, err := svc.Decline(ctx, decider.actor, secret, "We have a partner already."); err != nil {
		t.Fatal(err)
	}
	w.access = accessWorld{secret: secret, req: entitle.AccessRequest{ID: created.ID, Requester: "OUT", RequestedBy: asker.user.Email,
		Days: 30, Status: entitle.AccessRequestDeclined, Decider: "OWN", Opened: "OWN", ExpiresAt: created.ExpiresAt}}
}

// checkCreateAccessRequest: every user of a company may ask
// (policy.CreateAccessRequest); a duration that is none is its 422.
func checkCreateAccessRequest(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		d := policy.CreateAccessRequest(s.actor)
		var res response
		if portal {
			res = m.page(t, s, http.MethodPost, "/access-requests", url.Values{"message": {"Hello"}, "days": {"0"}})
		} else {
			res = m.api(t, s, http.MethodPost, "/api/v1/access-requests", map[string]any{"message": "Hello", "days": 0})
		}
		m.answers(t, s, "create an access request", res, d, http.StatusUnprocessableEntity, http.StatusForbidden, s.company(), s.company(), nil)
	}
}

// checkAccessRequests: each box lists the world's request for the company
// on that side, with the fields policy.SeeAccessRequest and
// policy.SeeAccessDecider grant: the decider never sees who asked, the
// requester sees who declined.
func checkAccessRequests(t *testing.T, m *mx, s *subject) {
	r := m.access.req
	for _, sent := range []bool{false, true} {
		path, items, ok := m.box(t, s, "/api/v1/access-requests", sent)
		if !ok || !m.check(t, policy.ListAccessRequests(s.actor, map[bool]string{true: "sent", false: "received"}[sent]).Allowed, "%s: %s listed", s.name, path) {
			continue
		}
		party := (sent && r.Requester == s.company()) || (!sent && r.Decider == s.company())
		want := 0
		if party {
			want = 1
		}
		if !m.check(t, len(items) == want, "%s: GET %s: %d items, want %d", s.name, path, len(items), want) || !party {
			continue
		}
		see := policy.SeeAccessRequest(s.actor, r)
		keys := keySet("id", "status", "requester", "message", "days", "created_at", "expires_at")
		if see.Views.Has(policy.ViewOwnSide) {
			keys["requested_by"], keys["subscription_ids"] = true, true
		}
		if dd := policy.SeeAccessDecider(s.actor, r, m.now); dd.Allowed {
			keys["decider"], keys["decided_at"], keys["reason"] = true, true, true
			if dd.Views.Has(policy.ViewOwnSide) {
				keys["decided_by"] = true
			}
		}
		it := items[0]
		m.check(t, see.Allowed && it["id"] == float64(r.ID) && it["status"] == "declined" && maps.Equal(topKeys(it), keys),
			"%s: GET %s: keys %v, want %v", s.name, path, sortedKeys(topKeys(it)), sortedKeys(keys))
	}
}

// checkAccessRequestsPage: every user of a company has the page; only the
// requesting company's users see who asked.
func checkAccessRequestsPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/access-requests", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /access-requests: %d", s.name, res.status) {
		return
	}
	own := policy.SeeAccessRequest(s.actor, m.access.req).Views.Has(policy.ViewOwnSide)
	m.check(t, strings.Contains(string(res.body), m.access.req.RequestedBy) == own,
		"%s: GET /access-requests: the asker shown %v, want %v", s.name, !own, own)
}

// checkWithdrawAccessRequest: the asker and the requester's administrators
// may (the request is declined already: 409); other users of the requester
// 403; everyone else the 404 of a request that does not exist (R7).
func checkWithdrawAccessRequest(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		ask := func(id string) response {
			if portal {
				return m.page(t, s, http.MethodPost, "/access-requests/"+id+"/withdraw", nil)
			}
			return m.api(t, s, http.MethodPost, "/api/v1/access-requests/"+id+"/withdraw", nil)
		}
		for _, r := range []entitle.AccessRequest{{}, m.access.req} {
			id, d := missingNumber, policy.Decision{}
			if r.ID != 0 {
				id, d = strconv.FormatInt(r.ID, 10), policy.WithdrawAccessRequest(s.actor, r)
			}
			m.answers(t, s, "withdraw access request "+id, ask(id), d, http.StatusConflict, http.StatusForbidden, id, missingNumber, ask)
		}
	}
}

// linkStatus is what opening the world's (answered) link answers s: the
// requesting and the answering company see it; to anyone else it was used
// (409) — nobody learns who answered it. A link that does not exist is 404
// for everyone.
func (m *mx) linkStatus(s *subject, secret string) int {
	r := m.access.req
	d := policy.OpenAccessLink(s.actor, r)
	switch {
	case secret == missingSecret:
		return http.StatusNotFound
	case !d.Allowed:
		return wantStatus(d, http.StatusOK, http.StatusForbidden)
	case s.company() == r.Requester || s.company() == r.Decider:
		return http.StatusOK
	}
	return http.StatusConflict
}

func checkOpenAccessLink(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		for _, secret := range []string{missingSecret, m.access.secret} {
			var res response
			if portal {
				res = m.page(t, s, http.MethodGet, "/access-requests/open?token="+url.QueryEscape(secret), nil)
			} else {
				res = m.api(t, s, http.MethodGet, "/api/v1/access-requests/link/"+secret, nil)
			}
			want := m.linkStatus(s, secret)
			if !m.check(t, res.status == want, "%s: open the link: %d, want %d\n%s", s.name, res.status, want, clip(res.body)) {
				continue
			}
			body := string(res.body)
			m.check(t, !strings.Contains(body, m.access.req.RequestedBy) && (want != http.StatusConflict || !strings.Contains(body, "Own")),
				"%s: the link shows who asked or who answered: %s", s.name, clip(res.body))
			if !portal && want == http.StatusOK {
				m.check(t, !strings.Contains(body, `"may_approve":true`) && !strings.Contains(body, `"may_decline":true`),
					"%s: an answered link offers an answer: %s", s.name, body)
			}
		}
	}
}

// checkAnswerAccessLink: policy.AnswerAccessRequest decides (the
// requester's users and members 403, a company owning nothing 403 on
// approve); the allowed are told the link was used (409). A link that does
// not exist is 404 for everyone.
func checkAnswerAccessLink(action string, portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		for _, secret := range []string{missingSecret, m.access.secret} {
			var res response
			if portal {
				res = m.page(t, s, http.MethodPost, "/access-requests/open", url.Values{"token": {secret}, "action": {action}, "reason": {"No."}})
			} else {
				var body any = map[string]any{}
				if action == policy.AccessDecline {
					body = map[string]string{"reason": "No."}
				}
				res = m.api(t, s, http.MethodPost, "/api/v1/access-requests/link/"+secret+"/"+action, body)
			}
			want := http.StatusNotFound
			why := "a link that does not exist"
			if secret != missingSecret {
				d := policy.AnswerAccessRequest(s.actor, m.access.req, action, m.owns(s.company()))
				want, why = wantStatus(d, http.StatusConflict, http.StatusForbidden), reasons(d)
			}
			m.check(t, res.status == want, "%s: %s the link: %d, want %d (%s)\n%s", s.name, action, res.status, want, why, clip(res.body))
		}
	}
}
