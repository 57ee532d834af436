package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/lifecycle"
)

// The lifecycle routes (issue 6): renewal options and requests, company
// profiles and the partner directory, ownership transfers. The rules and
// the writes are internal/lifecycle's.

// GET /api/v1/entitlements/{id}/renewal: how to buy or renew it, best first.
func (s *Server) renewalOptions(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	opts, err := s.cfg.Lifecycle.Options(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, opts)
	return nil
}

// POST /api/v1/entitlements/{id}/renewal-requests {"route","partner","message"}:
// the owner or a delegate asks for a renewal.
func (s *Server) requestRenewal(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var ask lifecycle.RenewalAsk
	if err := decode(w, r, &ask); err != nil {
		return err
	}
	rr, err := s.cfg.Lifecycle.RequestRenewal(r.Context(), c, r.PathValue("id"), ask)
	if errors.Is(err, lifecycle.ErrRenewalPending) {
		return errorf(codeConflict, "%s", lifecycle.Pending(rr, "withdraw it first"))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rr)
	return nil
}

// box reads ?box=received|sent (default received).
func (q *query) box() bool {
	switch q.str("box") {
	case "", "received":
		return false
	case "sent":
		return true
	}
	q.fail("box must be received or sent, not %q", clipParam(q.str("box")))
	return false
}

// pageBefore reads a newest-first cursor: the id to continue before.
func (s *Server) pageBefore(q *query, bound string) (int64, error) {
	pos, err := s.openCursor(q.str("cursor"), bound)
	if err != nil || pos == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(pos, 10, 64)
	if err != nil {
		return 0, errInvalidCursor
	}
	return n, nil
}

// GET /api/v1/renewal-requests?box=received|sent&open=true: the caller's
// company's inbox (received: requests to renew what it sold; sent: its own
// requests), newest first, paged.
func (s *Server) listRenewalRequests(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "box", "open", "limit", "cursor")
	sent := q.box()
	open := false
	switch q.str("open") {
	case "", "false":
	case "true":
		open = true
	default:
		q.fail("open must be true or false, not %q", clipParam(q.str("open")))
	}
	limit := q.limit(100, 500)
	if q.err != nil {
		return q.err
	}
	bound := bind("renewals", c.Company, strconv.FormatBool(sent), strconv.FormatBool(open))
	before, err := s.pageBefore(q, bound)
	if err != nil {
		return err
	}
	rrs, err := s.cfg.Lifecycle.RenewalRequests(r.Context(), c, sent, open, before, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Items []disclose.RenewalRequest `json:"items"`
		Next  string                    `json:"next_cursor,omitempty"`
	}{Items: []disclose.RenewalRequest{}}
	rrs, last := cutPage(rrs, limit, func(rr disclose.RenewalRequest) string { return strconv.FormatInt(rr.ID, 10) })
	out.Next = s.sealCursor(last, bound)
	out.Items = append(out.Items, rrs...)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// PATCH /api/v1/renewal-requests/{id} {"status","note"}: the recipient marks
// it quoted, won or lost; the requester withdraws it.
func (s *Server) updateRenewalRequest(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "renewal request")
	if err != nil {
		return err
	}
	var body struct {
		Status string  `json:"status"`
		Note   *string `json:"note"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	rr, err := s.cfg.Lifecycle.UpdateRenewalRequest(r.Context(), c, id, body.Status, body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rr)
	return nil
}

// profileJSON is a company's profile.
type profileJSON struct {
	Key          string       `json:"key"`
	Name         string       `json:"name"`
	Kind         entitle.Kind `json:"kind"`
	ContactEmail string       `json:"contact_email"`
	ContactPhone string       `json:"contact_phone"`
	Website      string       `json:"website"`
	Listed       bool         `json:"listed"`
	// RequireTwoFactor: the company's users sign in with a second factor
	// (PUT /api/v1/company/two-factor).
	RequireTwoFactor bool `json:"require_two_factor"`
}

func profileJSONOf(p entitle.Profile) profileJSON {
	return profileJSON{Key: p.Company.Key, Name: p.Company.Name, Kind: p.Company.Kind, ContactEmail: p.ContactEmail,
		ContactPhone: p.ContactPhone, Website: p.Website, Listed: p.Listed, RequireTwoFactor: p.RequireTwoFactor}
}

// GET /api/v1/company: the caller's company profile.
func (s *Server) getCompany(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	p, err := s.cfg.Lifecycle.Profile(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, profileJSONOf(p))
	return nil
}

// PATCH /api/v1/company {"contact_email","contact_phone","website","listed"}:
// administrators keep their company's profile.
func (s *Server) patchCompany(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var ch lifecycle.ProfileChange
	if err := decode(w, r, &ch); err != nil {
		return err
	}
	p, err := s.cfg.Lifecycle.SetProfile(r.Context(), c, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, profileJSONOf(p))
	return nil
}

// GET /api/v1/partners: the partner directory.
func (s *Server) listPartners(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	ps, err := s.cfg.Lifecycle.Directory(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items[disclose.Partner]{Items: ps})
	return nil
}

// POST /api/v1/entitlements/{id}/transfers {"to","message"}: the owner's
// administrators offer the entitlement to another company; the vendor's
// move it at once.
func (s *Server) offerTransfer(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var offer lifecycle.TransferOffer
	if err := decode(w, r, &offer); err != nil {
		return err
	}
	t, err := s.cfg.Lifecycle.OfferTransfer(r.Context(), c, r.PathValue("id"), offer)
	if errors.Is(err, lifecycle.ErrTransferPending) {
		return errorf(codeConflict, "%s is offered to %s already (transfer %d): cancel that offer first", t.Entitlement.SubscriptionID, t.To.Key, t.ID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// GET /api/v1/transfers?box=received|sent: offers to and from the caller's
// company, newest first, paged.
func (s *Server) listTransfers(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "box", "limit", "cursor")
	sent := q.box()
	limit := q.limit(100, 500)
	if q.err != nil {
		return q.err
	}
	bound := bind("transfers", c.Company, strconv.FormatBool(sent))
	before, err := s.pageBefore(q, bound)
	if err != nil {
		return err
	}
	ts, err := s.cfg.Lifecycle.Transfers(r.Context(), c, sent, before, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Items []disclose.Transfer `json:"items"`
		Next  string              `json:"next_cursor,omitempty"`
	}{Items: []disclose.Transfer{}}
	ts, last := cutPage(ts, limit, func(t disclose.Transfer) string { return strconv.FormatInt(t.ID, 10) })
	out.Next = s.sealCursor(last, bound)
	out.Items = append(out.Items, ts...)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /api/v1/transfers/{id}/{action}: accept, decline or cancel an offer.
func (s *Server) decideTransfer(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "transfer")
	if err != nil {
		return err
	}
	t, err := s.cfg.Lifecycle.DecideTransfer(r.Context(), c, id, r.PathValue("action"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
