package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// R8 through time (issue 14): who could see an entitlement at a past
// instant (GET …/access?at=), and who could see it when (GET
// …/access/history, and the portal's access history page). The gate
// decides who may ask and about which time; these handlers read the
// question and write the answer.

// parseAt reads an instant given as RFC 3339 (the API), or as the portal's
// form sends it: a date and time without zone, read as UTC, or a date
// (its first instant, UTC).
func parseAt(s string, forms bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if !forms {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// entitlementAccessAt answers GET /api/v1/entitlements/{id}/access?at=…
func (s *Server) entitlementAccessAt(w http.ResponseWriter, r *http.Request, c entitle.Actor, raw string) error {
	at, ok := parseAt(raw, false)
	if !ok {
		return errorf(codeInvalid, "at must be an instant in RFC 3339, e.g. 2026-06-15T10:00:00Z, not %q", clipParam(raw))
	}
	acc, err := s.cfg.Gate.ExplainAt(r.Context(), c, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acc)
	return nil
}

// GET /api/v1/entitlements/{id}/access/history: every company that could
// see the entitlement, with its basis and intervals, for the vendor and
// the owner (about the time it has owned it); 403 for a company that sees
// it otherwise, 404 for one that does not (R7).
func (s *Server) entitlementAccessHistory(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	h, err := s.cfg.Gate.AccessHistory(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

type accessHistoryPage struct {
	Sub          string
	History      disclose.History
	CompleteFrom string // from when the record is complete, when not always
	Rows         []historyRow
	Window       []string
	WindowWords  string // Window as one phrase ("… and …")
	At           string // as asked
	AtProblem    string // why the question at an instant has no answer (a fixed sentence)
	AtAnswer     *disclose.AccessAt
	AtWhen       string
}

type historyRow struct {
	Company     disclose.Party
	Basis       []entitle.Basis
	From, To    string
	Delegations []string
	Incomplete  bool
}

// GET /entitlements/{id}/access-history[?at=…]: the access history of an
// entitlement for its owner and the vendor, and who could see it at an
// instant they ask about. Another company's entitlement, and one that does
// not exist, get the same 404 page (R7); a company that sees it but may not
// ask gets 403.
func (s *Server) accessHistoryPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	sub := r.PathValue("id")
	q := newQuery(r, "at")
	h, err := s.cfg.Gate.AccessHistory(r.Context(), c, sub)
	if err != nil {
		return err
	}
	if q.err != nil {
		return q.err
	}
	pr := i18n.For(v.Lang)
	data := accessHistoryPage{Sub: sub, History: h}
	if h.CompleteFrom != nil {
		data.CompleteFrom = whenExact(*h.CompleteFrom)
	}
	for _, p := range h.Window {
		data.Window = append(data.Window, period(pr, p))
	}
	data.WindowWords = joinAnd(pr, data.Window)
	for _, it := range h.Items {
		for _, p := range it.Periods {
			row := historyRow{Company: it.Company, Basis: p.Basis, Delegations: p.Delegations, Incomplete: p.Incomplete,
				From: pr.T("access_history.before_record"), To: pr.T("access_history.still")}
			if p.From != nil {
				row.From = whenExact(*p.From)
			}
			if p.To != nil {
				row.To = whenExact(*p.To)
			}
			data.Rows = append(data.Rows, row)
		}
	}
	v.Title, v.Section, v.Data = pr.T("access_history.title", "ID", sub), "entitlements", &data
	status := http.StatusOK
	if raw, asked := q.v["at"]; asked && strings.TrimSpace(raw[0]) != "" {
		data.At = raw[0]
		at, ok := parseAt(raw[0], true)
		// A question the page does not answer gets a sentence of a fixed
		// set, never text from the URL (SPEC §7).
		if !ok {
			data.AtProblem = pr.T("access_history.at_unreadable")
			status = http.StatusUnprocessableEntity
		} else {
			acc, err := s.cfg.Gate.ExplainAt(r.Context(), c, sub, at)
			var e *entitle.Error
			switch {
			case errors.As(err, &e) && e.Code == codeInvalid:
				data.AtProblem, status = pr.T("access_history.at_future"), http.StatusUnprocessableEntity
			case errors.As(err, &e) && e.Code == codeForbidden:
				// The owner asked about a time it did not own the
				// entitlement: the gate's reason is a fixed sentence.
				data.AtProblem, status = e.Message, http.StatusForbidden
			case err != nil:
				return err
			default:
				data.AtAnswer, data.AtWhen = &acc, whenExact(acc.At)
			}
		}
	}
	s.show(w, status, "access_history", v)
	return nil
}

// whenExact is an instant for people, to the second.
func whenExact(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// period says an interval in words, in pr's language.
func period(pr *i18n.Printer, p disclose.Period) string {
	from, to := pr.T("access_history.before_record"), pr.T("access_history.still")
	if p.From != nil {
		from = whenExact(*p.From)
	}
	if p.To != nil {
		to = whenExact(*p.To)
	}
	return from + " – " + to
}
