package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/audit"
)

type auditEventJSON struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Company string          `json:"company,omitempty"`
	Action  string          `json:"action"`
	Object  string          `json:"object,omitempty"`
	Basis   []entitle.Basis `json:"basis,omitempty"`
	Outcome string          `json:"outcome"`
	Detail  string          `json:"detail,omitempty"`
}

type auditPage struct {
	Items []auditEventJSON `json:"items"`
	Next  string           `json:"next_cursor,omitempty"`
}

// GET /api/v1/audit?limit=&cursor=&user=&action=&object=&from=&to=: a company administrator pages through
// the events of their own company, oldest first; the vendor through all
// (or one company's, with ?company=KEY). Nobody else sees any (R7).
func (s *Server) auditEvents(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if err := s.cfg.Audit.Readable(c); err != nil {
		return err
	}
	q := newQuery(r, "limit", "cursor", "company", "user", "action", "object", "from", "to")
	limit := q.limit(defaultLimit, maxLimit)
	f := auditFilter(q)
	company := q.str("company")
	if company != "" && !entitle.ValidKey(company) {
		q.fail("company %q is not a company key", clipParam(company))
	}
	if q.err != nil {
		return q.err
	}
	// The cursor is bound to the company read: the caller's own unless
	// the vendor names one.
	bound := bind("audit", c.Company, company, auditBinding(f))
	pos, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	var after int64
	if pos != "" {
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil {
			return errInvalidCursor
		}
	}
	events, _, err := s.cfg.Audit.Events(r.Context(), c, audit.Query{Company: company, At: after, Limit: limit + 1, Filter: f})
	if err != nil {
		return err
	}
	page := auditPage{Items: []auditEventJSON{}}
	events, last := cutPage(events, limit, func(e entitle.AuditEvent) string { return strconv.FormatInt(e.ID, 10) })
	page.Next = s.sealCursor(last, bound)
	for _, e := range events {
		page.Items = append(page.Items, auditEventJSON{ID: e.ID, At: e.At, Actor: e.Actor, Company: e.Company, Action: e.Action,
			Object: e.Object, Basis: e.Basis, Outcome: e.Outcome, Detail: e.Detail})
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
