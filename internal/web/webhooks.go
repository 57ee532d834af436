package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// Self-service webhooks over the API (internal/webhooks decides and
// records every step, policy.ManageWebhooks): a company's administrators
// manage their own company's endpoints; a member is refused (403);
// another company's endpoint is not found (R7).
//
//	GET    /api/v1/webhooks                   the company's endpoints, with their deliveries counted
//	POST   /api/v1/webhooks                   {"url","events"}: 201, with the signing secret shown once
//	DELETE /api/v1/webhooks/{id}              204
//	POST   /api/v1/webhooks/{id}/test         a ping now: the delivery after its one attempt
//	GET    /api/v1/webhooks/{id}/deliveries   the latest deliveries, newest first (?limit=1–100)

type webhookJSON struct {
	ID          int64              `json:"id"`
	URL         string             `json:"url"`
	Events      []string           `json:"events"` // ["all"] or the types
	CreatedAt   time.Time          `json:"created_at"`
	CreatedBy   string             `json:"created_by"`
	Secret      string             `json:"secret,omitempty"` // only in the answer that adds it
	Deliveries  *deliveryStatsJSON `json:"deliveries,omitempty"`
	LastError   string             `json:"last_error,omitempty"`
	LastErrorAt *time.Time         `json:"last_error_at,omitempty"`
}

type deliveryStatsJSON struct {
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Cancelled int `json:"cancelled"`
}

func webhookJSONOf(w entitle.Webhook) webhookJSON {
	events := w.Events
	if events == nil {
		events = []string{"all"}
	}
	return webhookJSON{ID: w.ID, URL: w.URL, Events: events, CreatedAt: w.CreatedAt.UTC(), CreatedBy: w.CreatedBy, Secret: w.Secret}
}

func endpointJSONOf(e webhooks.Endpoint) webhookJSON {
	out := webhookJSONOf(e.Webhook)
	out.Secret = ""
	out.Deliveries = &deliveryStatsJSON{Pending: e.Stats.Pending, Delivered: e.Stats.Delivered, Failed: e.Stats.Failed, Cancelled: e.Stats.Cancelled}
	out.LastError, out.LastErrorAt = e.Stats.LastError, timeOrNil(e.Stats.LastErrorAt)
	return out
}

// deliveryJSON is a delivery as its company's administrators see it: what
// happened, never the body (they received it) nor anything of another
// company's.
type deliveryJSON struct {
	ID            string     `json:"id"` // the Entitle-Delivery header
	Event         string     `json:"event"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	ResponseCode  int        `json:"response_code,omitempty"`
	Error         string     `json:"error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

func deliveryJSONOf(d entitle.Delivery) deliveryJSON {
	out := deliveryJSON{ID: d.PublicID, Event: d.Event.Type, State: d.State, Attempts: d.Attempts, ResponseCode: d.LastStatus,
		Error: d.LastError, CreatedAt: d.CreatedAt.UTC(), LastAttemptAt: timeOrNil(d.LastAttemptAt), DeliveredAt: timeOrNil(d.DeliveredAt)}
	if d.State == entitle.DeliveryPending {
		out.NextAttemptAt = timeOrNil(d.NextAttemptAt)
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// GET /api/v1/webhooks.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	es, err := s.cfg.Webhooks.Endpoints(r.Context(), c)
	if err != nil {
		return err
	}
	items := make([]webhookJSON, 0, len(es))
	for _, e := range es {
		items = append(items, endpointJSONOf(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// POST /api/v1/webhooks {"url","events"}: events omitted, empty or
// ["all"]: every type.
func (s *Server) addWebhook(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	hook, err := s.cfg.Webhooks.Add(r.Context(), c, in.URL, in.Events)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(hook.ID, 10)+"/deliveries")
	writeJSON(w, http.StatusCreated, webhookJSONOf(hook))
	return nil
}

// DELETE /api/v1/webhooks/{id}.
func (s *Server) removeWebhook(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	if err := s.cfg.Webhooks.Remove(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// POST /api/v1/webhooks/{id}/test: a ping, tried once now; the answer is
// the delivery (delivered or failed, with the receiver's status).
func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	d, err := s.cfg.Webhooks.Test(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, deliveryJSONOf(d))
	return nil
}

// GET /api/v1/webhooks/{id}/deliveries?limit=.
func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	id, err := pathID(r, "webhook")
	if err != nil {
		return err
	}
	q := newQuery(r, "limit")
	limit := q.limit(50, webhooks.MaxDeliveries)
	if q.err != nil {
		return q.err
	}
	ds, err := s.cfg.Webhooks.Deliveries(r.Context(), c, id, limit)
	if err != nil {
		return err
	}
	items := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		items = append(items, deliveryJSONOf(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// noticeJSON is a user's choice for one kind of notice.
type noticeJSON struct {
	Kind    string `json:"kind"`
	Receive bool   `json:"receive"`
	Default bool   `json:"default"`
	Chosen  bool   `json:"chosen"`
}

func writeNotices(w http.ResponseWriter, cs []entitle.NoticeChoice) {
	items := make([]noticeJSON, 0, len(cs))
	for _, c := range cs {
		items = append(items, noticeJSON{Kind: c.Kind, Receive: c.Receive, Default: c.Default, Chosen: c.Chosen})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// GET /api/v1/me/notices: which notices the caller receives.
func (s *Server) getNotices(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	cs, err := s.cfg.Accounts.Notices(r.Context(), c)
	if err != nil {
		return err
	}
	writeNotices(w, cs)
	return nil
}

// PUT /api/v1/me/notices {"expiry_digest": false, …}: the kinds named
// change, the others keep what they had.
func (s *Server) putNotices(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	var in map[string]bool
	if err := decode(w, r, &in); err != nil {
		return err
	}
	cs, err := s.cfg.Accounts.SetNotices(r.Context(), c, in)
	if err != nil {
		return err
	}
	writeNotices(w, cs)
	return nil
}
