package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix's checkers of self-service (issue 14): a company's webhooks
// (policy.ManageWebhooks) and each user's notice preferences
// (policy.ChooseNotices). The world gets, the first time a checker asks,
// two endpoints of OWN: one active, whose URL is a receiver on this
// machine, and one removed (which exists for nobody). A change is asked so
// that the world stays as it is: an addition with a URL that is not one
// (the allowed party's 422), a removal of the removed endpoint (404 for
// all), notices with a kind that does not exist (422); the active endpoint
// is removed by nobody, and pinged by OWN's administrator only (a
// delivery, which no snapshot reads).

// selfServiceWorld is what the checkers add to a world.
type selfServiceWorld struct {
	once    sync.Once
	active  entitle.Webhook // OWN's
	removed entitle.Webhook // OWN's, removed
}

var selfServiceWorlds sync.Map // *mworld → *selfServiceWorld

// selfService returns the endpoints of the world, adding them the first
// time.
func (m *mx) selfService(t *testing.T) *selfServiceWorld {
	v, _ := selfServiceWorlds.LoadOrStore(m.mworld, &selfServiceWorld{})
	w := v.(*selfServiceWorld)
	w.once.Do(func() {
		ctx := context.Background()
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		m.testServer.t.Cleanup(rcv.Close)
		var err error
		w.active, err = m.db.AddWebhook(ctx, entitle.Webhook{Company: "OWN", URL: rcv.URL + "/hook", Secret: "whsec_matrix", CreatedAt: m.now, CreatedBy: "admin@own.example"},
			entitle.AuditEvent{At: m.now, Actor: "admin@own.example", Company: "OWN", Action: "webhook.add", Outcome: "ok"})
		if err == nil {
			w.removed, err = m.db.AddWebhook(ctx, entitle.Webhook{Company: "OWN", URL: "https://gone.own.example/hook", Secret: "whsec_gone", CreatedAt: m.now, CreatedBy: "admin@own.example"},
				entitle.AuditEvent{At: m.now, Actor: "admin@own.example", Company: "OWN", Action: "webhook.add", Outcome: "ok"})
		}
		if err == nil {
			err = m.db.RemoveWebhook(ctx, w.removed.ID, m.now, entitle.AuditEvent{At: m.now, Actor: "admin@own.example", Company: "OWN", Action: "webhook.remove", Outcome: "ok"})
		}
		if err != nil {
			t.Errorf("the world's webhooks: %v", err)
		}
	})
	return w
}

// checkListWebhooks: the allowed see exactly their own company's endpoints
// (OWN's administrator its one; the others none), without a secret;
// members are refused.
func checkListWebhooks(t *testing.T, m *mx, s *subject) {
	hooks := m.selfService(t)
	d := policy.ManageWebhooks(s.actor, s.company())
	res := m.api(t, s, http.MethodGet, "/api/v1/webhooks", nil)
	if !m.answers(t, s, "GET /api/v1/webhooks", res, d, http.StatusOK, http.StatusForbidden, "", "", nil) {
		return
	}
	var got struct {
		Items []map[string]any `json:"items"`
	}
	res.json(t, &got)
	var ids []int64
	for _, it := range got.Items {
		id, _ := it["id"].(float64)
		ids = append(ids, int64(id))
		m.check(t, it["secret"] == nil, "%s: GET /api/v1/webhooks shows a secret", s.name)
	}
	var want []int64
	if s.company() == "OWN" {
		want = []int64{hooks.active.ID}
	}
	m.check(t, slices.Equal(ids, want), "%s: GET /api/v1/webhooks: %v, want %v", s.name, ids, want)
}

// checkWebhooksPage: the page for the allowed, with the form and their own
// endpoints only; the refusal's page for members.
func checkWebhooksPage(t *testing.T, m *mx, s *subject) {
	hooks := m.selfService(t)
	d := policy.ManageWebhooks(s.actor, s.company())
	res := m.page(t, s, http.MethodGet, "/webhooks", nil)
	if !m.answers(t, s, "GET /webhooks", res, d, http.StatusOK, http.StatusForbidden, "", "", nil) {
		m.check(t, strings.Contains(string(res.body), "ask one of them"), "%s: GET /webhooks: the refusal does not say whom to ask", s.name)
		return
	}
	body := string(res.body)
	m.check(t, strings.Contains(body, `id="add-webhook"`), "%s: GET /webhooks: no form", s.name)
	m.check(t, strings.Contains(body, hooks.active.URL) == (s.company() == "OWN"), "%s: GET /webhooks: OWN's endpoint shown %v", s.name, !(s.company() == "OWN"))
	m.check(t, !strings.Contains(body, hooks.removed.URL), "%s: GET /webhooks shows a removed endpoint", s.name)
}

// checkAddWebhook: a URL that is not one is the allowed party's 422 (its
// own company's; nobody names another's); members are refused.
func checkAddWebhook(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		d := policy.ManageWebhooks(s.actor, s.company())
		var res response
		what := "POST /api/v1/webhooks"
		if portal {
			what = "POST /webhooks"
			res = m.page(t, s, http.MethodPost, "/webhooks", url.Values{"url": {"ftp://not.a.hook.example"}})
		} else {
			res = m.api(t, s, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "ftp://not.a.hook.example"})
		}
		if m.answers(t, s, what, res, d, http.StatusUnprocessableEntity, http.StatusForbidden, "", "", nil) {
			m.check(t, strings.Contains(string(res.body), "https://"), "%s: %s: the refusal does not say what a URL must be: %s", s.name, what, clip(res.body))
		}
	}
}

// checkWebhookObject asks a route about a missing endpoint, the removed one
// (missing for all) and, unless change says it would change it for the
// allowed party, the active one: ok for OWN's administrator, 403 for its
// member, 404 for everyone else (R7).
func checkWebhookObject(what string, ok int, change bool, ask func(t *testing.T, m *mx, s *subject, id string) response, body func(t *testing.T, m *mx, s *subject, res response)) checker {
	return func(t *testing.T, m *mx, s *subject) {
		hooks := m.selfService(t)
		again := func(id string) response { return ask(t, m, s, id) }
		m.answers(t, s, what+" "+missingNumber, again(missingNumber), policy.Decision{}, ok, http.StatusForbidden, missingNumber, missingNumber, again)
		removed := strconv.FormatInt(hooks.removed.ID, 10)
		m.answers(t, s, what+" "+removed, again(removed), policy.Decision{}, ok, http.StatusForbidden, removed, missingNumber, again)
		d := policy.ManageWebhooks(s.actor, hooks.active.Company)
		if d.Allowed && change {
			return // it would remove it
		}
		id := strconv.FormatInt(hooks.active.ID, 10)
		res := again(id)
		if m.answers(t, s, what+" "+id, res, d, ok, http.StatusForbidden, id, missingNumber, again) && body != nil {
			body(t, m, s, res)
		}
	}
}

func checkRemoveWebhook(portal bool) checker {
	ok := http.StatusNoContent
	if portal {
		ok = http.StatusSeeOther
	}
	return checkWebhookObject("remove webhook", ok, true, func(t *testing.T, m *mx, s *subject, id string) response {
		if portal {
			return m.page(t, s, http.MethodPost, "/webhooks/"+id+"/remove", nil)
		}
		return m.api(t, s, http.MethodDelete, "/api/v1/webhooks/"+id, nil)
	}, nil)
}

func checkTestWebhook(portal bool) checker {
	return checkWebhookObject("test webhook", http.StatusOK, false, func(t *testing.T, m *mx, s *subject, id string) response {
		if portal {
			return m.page(t, s, http.MethodPost, "/webhooks/"+id+"/test", nil)
		}
		return m.api(t, s, http.MethodPost, "/api/v1/webhooks/"+id+"/test", nil)
	}, func(t *testing.T, m *mx, s *subject, res response) {
		want := `"state":"delivered"`
		if portal {
			want = "<strong>delivered</strong>, HTTP 204"
		}
		m.check(t, strings.Contains(string(res.body), want), "%s: the test delivery: %s", s.name, clip(res.body))
	})
}

func checkWebhookDeliveries(portal bool) checker {
	return checkWebhookObject("deliveries of webhook", http.StatusOK, false, func(t *testing.T, m *mx, s *subject, id string) response {
		if portal {
			return m.page(t, s, http.MethodGet, "/webhooks/"+id, nil)
		}
		return m.api(t, s, http.MethodGet, "/api/v1/webhooks/"+id+"/deliveries", nil)
	}, func(t *testing.T, m *mx, s *subject, res response) {
		m.check(t, !strings.Contains(string(res.body), "whsec_"), "%s: the deliveries show a secret", s.name)
	})
}

// checkNotices: every user reads their own choices: the defaults of their
// role (nobody in the world chose).
func checkNotices(t *testing.T, m *mx, s *subject) {
	d := policy.ChooseNotices(s.actor)
	res := m.api(t, s, http.MethodGet, "/api/v1/me/notices", nil)
	if !m.answers(t, s, "GET /api/v1/me/notices", res, d, http.StatusOK, http.StatusForbidden, "", "", nil) {
		return
	}
	m.check(t, string(res.body) == noticesBody(s), "%s: GET /api/v1/me/notices: %s, want %s", s.name, res.body, noticesBody(s))
}

// noticesBody is the answer of GET /api/v1/me/notices for s, who chose
// nothing.
func noticesBody(s *subject) string {
	var items []string
	for _, kind := range entitle.NoticeKinds {
		on := strconv.FormatBool(policy.ReceivesNotice(s.user.Admin, kind))
		items = append(items, `{"kind":"`+kind+`","receive":`+on+`,"default":`+on+`,"chosen":false}`)
	}
	return `{"items":[` + strings.Join(items, ",") + `]}` + "\n"
}

// checkSetNotices: a kind that does not exist is every user's 422, and
// changes nothing; an empty change is a no-op answered with the choices.
// checkSetLanguage: a language the portal does not have is refused next to
// the form, by the decision that guards one's own account; nothing changes.
func checkSetLanguage(t *testing.T, m *mx, s *subject) {
	d := policy.ManageAccount(s.actor)
	res := m.page(t, s, http.MethodPost, "/account/language", url.Values{"language": {"xx"}})
	if m.answers(t, s, "POST /account/language", res, d, http.StatusUnprocessableEntity, http.StatusForbidden, "", "", nil) {
		m.check(t, strings.Contains(string(res.body), `id="language-error"`), "%s: POST /account/language: no error shown", s.name)
	}
}

func checkSetNotices(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		d := policy.ChooseNotices(s.actor)
		if portal {
			res := m.page(t, s, http.MethodPost, "/account/notices", url.Values{"kind": {"no_such_kind"}})
			if m.answers(t, s, "POST /account/notices", res, d, http.StatusUnprocessableEntity, http.StatusForbidden, "", "", nil) {
				m.check(t, strings.Contains(string(res.body), `id="notices-error"`), "%s: POST /account/notices: no error shown", s.name)
			}
			return
		}
		res := m.api(t, s, http.MethodPut, "/api/v1/me/notices", map[string]bool{"no_such_kind": true})
		m.answers(t, s, "PUT /api/v1/me/notices (unknown kind)", res, d, http.StatusUnprocessableEntity, http.StatusForbidden, "", "", nil)
		res = m.api(t, s, http.MethodPut, "/api/v1/me/notices", map[string]bool{})
		if m.answers(t, s, "PUT /api/v1/me/notices {}", res, d, http.StatusOK, http.StatusForbidden, "", "", nil) {
			m.check(t, string(res.body) == noticesBody(s), "%s: PUT /api/v1/me/notices {}: %s", s.name, res.body)
		}
	}
}
