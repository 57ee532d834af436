package web

import (
	"net/http"
	"strconv"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// The Webhooks page (issue 14): a company's administrators add, test and
// remove their company's endpoints, and read each one's recent deliveries.
// The Manager decides (policy.ManageWebhooks): a member gets the refusal's
// page, another company's endpoint is the "not found" page (R7).

// webhooksPage is the data of the Webhooks page.
type webhooksPage struct {
	Endpoints []webhooks.Endpoint
	Types     []string         // the event types an endpoint may receive
	New       *entitle.Webhook // just added: its secret shown this once
	Tested    *entitle.Delivery
	TestedID  int64
	Error     string // the addition was refused
	URL       string
	Chosen    map[string]bool // the types ticked; none: all

	p *i18n.Printer // the page's language
}

// EventsText names an endpoint's subscription.
func (d webhooksPage) EventsText(types []string) string {
	if types == nil {
		return printerOr(d.p).T("webhooks.all_events")
	}
	return webhooks.EventsText(types)
}

// StateWords names a delivery's state in the page's language.
func (d webhooksPage) StateWords(state string) string {
	return statusWords(printerOr(d.p), "webhooks.state_", state)
}

// printerOr is p, else English's.
func printerOr(p *i18n.Printer) *i18n.Printer {
	if p == nil {
		return i18n.For(i18n.English)
	}
	return p
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, data *webhooksPage) error {
	es, err := s.cfg.Webhooks.Endpoints(r.Context(), c)
	if err != nil {
		return err
	}
	data.Endpoints, data.Types = es, webhooks.EventTypes
	if data.Chosen == nil {
		data.Chosen = map[string]bool{}
	}
	data.p = i18n.For(v.Lang)
	v.Title, v.Data = data.p.T("webhooks.title"), data
	s.show(w, status, "webhooks", v)
	return nil
}

// GET /webhooks.
func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	return s.showWebhooks(w, r, c, v, http.StatusOK, &webhooksPage{})
}

// POST /webhooks (url, event…): the new endpoint's secret is shown on the
// page this once (not after a redirect: it is in no cookie or URL).
func (s *Server) addWebhookForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	events := r.PostForm["event"]
	data := &webhooksPage{URL: r.PostForm.Get("url"), Chosen: map[string]bool{}}
	for _, e := range events {
		data.Chosen[e] = true
	}
	hook, err := s.cfg.Webhooks.Add(r.Context(), c, data.URL, events)
	if err != nil {
		status, _ := s.describe(r, err)
		if status >= http.StatusInternalServerError || status == http.StatusForbidden || status == http.StatusNotFound {
			return err
		}
		data.Error = s.pageMessage(r, err)
		return s.showWebhooks(w, r, c, v, status, data)
	}
	data.New, data.URL, data.Chosen = &hook, "", nil
	return s.showWebhooks(w, r, c, v, http.StatusCreated, data)
}

// POST /webhooks/{id}/test: a ping now; the page shows what became of it.
func (s *Server) testWebhookForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	d, err := s.cfg.Webhooks.Test(r.Context(), c, id)
	if err != nil {
		return err
	}
	return s.showWebhooks(w, r, c, v, http.StatusOK, &webhooksPage{Tested: &d, TestedID: id})
}

// POST /webhooks/{id}/remove.
func (s *Server) removeWebhookForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	if err := s.cfg.Webhooks.Remove(r.Context(), c, id); err != nil {
		return err
	}
	return s.done(w, r, "/webhooks", i18n.For(v.Lang).T("webhooks.removed"))
}

// webhookPage is the data of one endpoint's page: its recent deliveries.
type webhookPage struct {
	ID         int64
	Deliveries []entitle.Delivery

	p *i18n.Printer // the page's language
}

// StateWords names a delivery's state in the page's language.
func (d webhookPage) StateWords(state string) string {
	return statusWords(printerOr(d.p), "webhooks.state_", state)
}

// GET /webhooks/{id}: the endpoint's latest deliveries.
func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	ds, err := s.cfg.Webhooks.Deliveries(r.Context(), c, id, 50)
	if err != nil {
		return err
	}
	p := i18n.For(v.Lang)
	v.Title, v.Data = p.T("webhook.title", "ID", strconv.FormatInt(id, 10)), &webhookPage{ID: id, Deliveries: ds, p: p}
	s.show(w, http.StatusOK, "webhook", v)
	return nil
}
