package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/lifecycle"
)

// The lifecycle pages (issue 7 over issue 6's service): how to renew an
// entitlement, with the renewal request form and, for the owner's
// administrators, the ownership transfer form; the renewal requests a
// company received and sent, with their answers; transfer offers, with
// accept, decline and cancel. Every decision is internal/lifecycle's (and
// through it internal/policy's), exactly as for the API handlers in
// lifecycle.go: a page only shows what it was told.

// lifecyclePageSize is how many renewal requests or transfers a box shows.
const lifecyclePageSize = 25

// statusWords is a value of an enumeration — a status, a basis — in p's
// language: the message prefix+status ("renewals.status_quoted",
// "basis.owner"), else the value itself, so that one the catalogues do not
// know yet still shows. A badge's class stays the value.
func statusWords(p *i18n.Printer, prefix, status string) string {
	if w, ok := p.Lookup(prefix + status); ok {
		return w
	}
	return status
}

// lifecycleRefusal is a refused form's answer for the person who filled it
// in: problems with a field of the form next to that field, anything else
// they can act on (a conflict, an invalid request) as one alert.
type lifecycleRefusal struct {
	Status int
	Fields map[string]string // form field → message
	Alert  string
}

// lifecycleRefusalOf sorts err for a form with fields; ok is false when err is no
// refusal of the form (not found, forbidden, a failure): the error page
// answers those.
func lifecycleRefusalOf(err error, fields ...string) (lifecycleRefusal, bool) {
	var ps entitle.Problems
	var e *entitle.Error
	switch {
	case errors.As(err, &ps):
		out := lifecycleRefusal{Status: http.StatusUnprocessableEntity, Fields: map[string]string{}}
		for _, p := range ps {
			known := false
			for _, f := range fields {
				known = known || p.Field == f
			}
			switch {
			case known && out.Fields[p.Field] == "":
				out.Fields[p.Field] = p.Message
			case known:
				out.Fields[p.Field] += "; " + p.Message
			case out.Alert == "":
				out.Alert = p.String()
			default:
				out.Alert += "; " + p.String()
			}
		}
		return out, true
	case errors.As(err, &e) && (e.Code == codeConflict || e.Code == codeInvalid):
		return lifecycleRefusal{Status: statusOf[e.Code], Alert: e.Message}, true
	}
	return lifecycleRefusal{}, false
}

// renewData is the renewal page: the options, the request form and the
// transfer form (each as last sent, with its refusal).
type renewData struct {
	O               lifecycle.Options
	PartnerOfRecord *lifecycle.Option  // the recommended route, if any
	Partners        []lifecycle.Option // listed partners
	Direct          *lifecycle.Option  // buying from the vendor
	Route, Partner  string             // the request form as sent (or its default)
	Message         string
	Request         lifecycleRefusal
	// Transfer is whether the caller may offer the entitlement to another
	// company (the owner's administrators); MoveNow when the vendor's
	// administrators move it at once instead.
	Transfer, MoveNow        bool
	TransferTo, TransferNote string
	TransferProblem          lifecycleRefusal
	MaxMessage               int
	// In the page's language: the entitlement's status, the
	// recommendation above the options.
	StatusWords, Recommendation string
}

// renewView fills v with sub's renewal page for c; d carries the forms as
// sent. A caller who may not see the options gets the error page: 404 when
// the entitlement does not exist for it (R7), 403 when it may see it but
// not how to renew it.
func (s *Server) renewView(r *http.Request, c entitle.Actor, v *view, sub string, d *renewData) error {
	opts, err := s.cfg.Lifecycle.Options(r.Context(), c, sub)
	if err != nil {
		return err
	}
	d.O, d.MaxMessage = opts, lifecycle.MaxMessage
	for i, o := range opts.Options {
		switch o.Route {
		case entitle.RoutePartnerOfRecord:
			d.PartnerOfRecord = &opts.Options[i]
		case entitle.RoutePartner:
			d.Partners = append(d.Partners, o)
		case entitle.RouteDirect:
			d.Direct = &opts.Options[i]
		}
	}
	if d.Route == "" {
		switch {
		case d.PartnerOfRecord != nil:
			d.Route = entitle.RoutePartnerOfRecord
		case len(d.Partners) > 0:
			d.Route = entitle.RoutePartner
		default:
			d.Route = entitle.RouteDirect
		}
	}
	// The transfer form is shown on the decision lifecycle.OfferTransfer
	// takes.
	d.Transfer, d.MoveNow = opts.TransferAllowed, opts.TransferDirect
	p := i18n.For(v.Lang)
	d.StatusWords = entitlementStatusWords(p, opts.Status)
	d.Recommendation = recommendation(p, d)
	v.Title, v.Data = p.T("renew.title", "Sub", sub), d
	return nil
}

// recommendation is the advice above the ways to renew, in p's language:
// the words lifecycle.Options gives in English (Options.Recommendation),
// chosen on the same options. Advice the catalogues do not know is shown as
// the service words it.
func recommendation(p *i18n.Printer, d *renewData) string {
	id, pairs := "renew.recommend_direct", []any(nil)
	switch {
	case d.PartnerOfRecord != nil && d.PartnerOfRecord.Partner != nil:
		id, pairs = "renew.recommend_por", []any{"Partner", d.PartnerOfRecord.Partner.Name}
	case len(d.Partners) > 0:
		id = "renew.recommend_partner"
	}
	if i18n.For(i18n.English).T(id, pairs...) != d.O.Recommendation {
		return d.O.Recommendation
	}
	return p.T(id, pairs...)
}

// GET /entitlements/{id}/renew: how to renew or buy more of an entitlement.
func (s *Server) renewPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	var d renewData
	if err := s.renewView(r, c, v, r.PathValue("id"), &d); err != nil {
		return err
	}
	s.show(w, http.StatusOK, "renew", v)
	return nil
}

// POST /entitlements/{id}/renew (route, partner, message): ask for a
// renewal, as POST /api/v1/entitlements/{id}/renewal-requests does.
func (s *Server) renewForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	sub := r.PathValue("id")
	f := r.PostForm
	ask := lifecycle.RenewalAsk{Route: f.Get("route"), Message: f.Get("message")}
	if ask.Route == entitle.RoutePartner {
		ask.Partner = f.Get("partner") // the select is sent whatever the route chosen
	}
	rr, err := s.cfg.Lifecycle.RequestRenewal(r.Context(), c, sub, ask)
	if err == nil {
		p := i18n.For(v.Lang)
		to := p.T("renew.the_partner")
		if rr.Recipient != nil {
			to = rr.Recipient.Name
		}
		return s.done(w, r, "/renewals", p.T("renew.sent", "Sub", sub, "To", to))
	}
	d := renewData{Route: ask.Route, Partner: f.Get("partner"), Message: ask.Message}
	if errors.Is(err, lifecycle.ErrRenewalPending) {
		d.Request = lifecycleRefusal{Status: http.StatusConflict, Alert: lifecycle.Pending(rr, "withdraw it on the Renewals page")}
	} else if ref, ok := lifecycleRefusalOf(err, "route", "partner", "message"); ok {
		d.Request = ref
	} else {
		return err
	}
	if err := s.renewView(r, c, v, sub, &d); err != nil {
		return err
	}
	s.show(w, d.Request.Status, "renew", v)
	return nil
}

// POST /entitlements/{id}/transfer (to, message): the owner's
// administrators offer the entitlement to another company; the vendor's
// move it at once (POST /api/v1/entitlements/{id}/transfers).
func (s *Server) offerTransferForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	sub := r.PathValue("id")
	offer := lifecycle.TransferOffer{To: r.PostForm.Get("to"), Message: r.PostForm.Get("message")}
	out, err := s.cfg.Lifecycle.OfferTransfer(r.Context(), c, sub, offer)
	p := i18n.For(v.Lang)
	if err == nil {
		if out.Status == entitle.TransferDone {
			return s.done(w, r, "/entitlements/"+url.PathEscape(sub), p.T("renew.moved", "Sub", sub, "To", out.To.Name, "Key", out.To.Key))
		}
		return s.done(w, r, "/transfers", p.T("renew.offered", "Sub", sub, "To", out.To.Name, "Key", out.To.Key, "Until", when(out.ExpiresAt)))
	}
	d := renewData{TransferTo: offer.To, TransferNote: offer.Message}
	var e *entitle.Error
	switch {
	case errors.Is(err, lifecycle.ErrTransferPending):
		d.TransferProblem = lifecycleRefusal{Status: http.StatusConflict,
			Alert: p.T("renew.transfer_pending", "Sub", out.Entitlement.SubscriptionID, "To", out.To.Key, "ID", out.ID)}
	case errors.As(err, &e) && e.Code == codeInvalid:
		// The one invalid value the store finds is the recipient: a company
		// key that does not exist.
		d.TransferProblem = lifecycleRefusal{Status: http.StatusUnprocessableEntity, Fields: map[string]string{"to": e.Message}}
	default:
		ref, ok := lifecycleRefusalOf(err, "to", "message")
		if !ok {
			return err
		}
		d.TransferProblem = ref
	}
	if err := s.renewView(r, c, v, sub, &d); err != nil {
		return err
	}
	s.show(w, d.TransferProblem.Status, "renew", v)
	return nil
}

// renewalRow is a renewal request as the caller's company sees it, with
// what the caller may do to it.
type renewalRow struct {
	disclose.RenewalRequest
	Closed      bool             // won, lost or withdrawn: nothing more to do
	FormStatus  string           // the answer form's status, as sent
	FormNote    string           // the answer form's note, as sent (else the request's)
	Refusal     lifecycleRefusal // the answer form's refusal
	StatusWords string           // the status in the page's language ("quoted")
}

// statusChoice is a status the answer form offers: its value, and its
// words in the page's language.
type statusChoice struct{ Value, Words string }

type renewalsData struct {
	Received, Sent         []renewalRow
	ReceivedNext, SentNext string // the path of the next (older) page of each box
	Paged                  bool   // a box is not on its first page
	Alert                  string // a refused answer that is not about a field
	MaxMessage             int
	Marks                  []statusChoice // the answer form's statuses: quoted, won, lost
}

// renewalBox reads one box of the caller's renewal requests, a page from
// the cursor named param.
func (s *Server) renewalBox(r *http.Request, c entitle.Actor, v *view, sent bool, param string) (rows []renewalRow, next string, err error) {
	bound := bind("renewals", c.Company, strconv.FormatBool(sent), "false")
	cursor := r.URL.Query().Get(param)
	before := int64(0)
	if cursor != "" {
		pos, err := s.openCursor(cursor, bound)
		if err != nil {
			return nil, "", err
		}
		if before, err = strconv.ParseInt(pos, 10, 64); err != nil {
			return nil, "", errInvalidCursor
		}
	}
	rrs, err := s.cfg.Lifecycle.RenewalRequests(r.Context(), c, sent, false, before, lifecyclePageSize+1)
	if err != nil {
		return nil, "", err
	}
	if len(rrs) > lifecyclePageSize {
		rrs = rrs[:lifecyclePageSize]
		next = url.Values{param: {s.sealCursor(strconv.FormatInt(rrs[lifecyclePageSize-1].ID, 10), bound)}}.Encode()
	}
	p := i18n.For(v.Lang)
	for _, rr := range rrs {
		rows = append(rows, renewalRow{RenewalRequest: rr, FormNote: rr.Note,
			Closed:      rr.Status != entitle.RenewalOpen && rr.Status != entitle.RenewalQuoted,
			StatusWords: statusWords(p, "renewals.status_", rr.Status)})
	}
	return rows, next, nil
}

// renewalsView fills v with the renewal requests page.
func (s *Server) renewalsView(r *http.Request, c entitle.Actor, v *view, d *renewalsData) error {
	var err error
	if d.Received, d.ReceivedNext, err = s.renewalBox(r, c, v, false, "received"); err != nil {
		return err
	}
	if d.Sent, d.SentNext, err = s.renewalBox(r, c, v, true, "sent"); err != nil {
		return err
	}
	q := r.URL.Query()
	d.Paged, d.MaxMessage = q.Get("received") != "" || q.Get("sent") != "", lifecycle.MaxMessage
	p := i18n.For(v.Lang)
	for _, st := range []string{entitle.RenewalQuoted, entitle.RenewalWon, entitle.RenewalLost} {
		d.Marks = append(d.Marks, statusChoice{Value: st, Words: statusWords(p, "renewals.status_", st)})
	}
	v.Title, v.Data = p.T("renewals.title"), d
	return nil
}

// GET /renewals: the renewal requests the company received (to renew what
// it sold) and sent, newest first.
func (s *Server) renewalsPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	var d renewalsData
	if err := s.renewalsView(r, c, v, &d); err != nil {
		return err
	}
	s.show(w, http.StatusOK, "renewals", v)
	return nil
}

// renewalDone says what an answer did, in p's language.
func renewalDone(p *i18n.Printer, rr disclose.RenewalRequest) string {
	id, sub := rr.ID, rr.Entitlement.SubscriptionID
	switch rr.Status {
	case entitle.RenewalQuoted:
		return p.T("renewals.done_quoted", "ID", id, "Sub", sub)
	case entitle.RenewalWon:
		return p.T("renewals.done_won", "ID", id, "Sub", sub)
	case entitle.RenewalLost:
		return p.T("renewals.done_lost", "ID", id, "Sub", sub)
	case entitle.RenewalWithdrawn:
		return p.T("renewals.done_withdrawn", "ID", id, "Sub", sub)
	}
	return p.T("renewals.done_other", "ID", id, "Sub", sub, "Status", statusWords(p, "renewals.status_", rr.Status))
}

// POST /renewals/{id} (status, note): the recipient marks a request
// quoted, won or lost; the requester withdraws it (PATCH
// /api/v1/renewal-requests/{id}).
func (s *Server) renewalAnswerForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "renewal request")
	if err != nil {
		return err
	}
	status := r.PostForm.Get("status")
	var note *string
	if _, ok := r.PostForm["note"]; ok {
		n := r.PostForm.Get("note")
		note = &n
	}
	rr, err := s.cfg.Lifecycle.UpdateRenewalRequest(r.Context(), c, id, status, note)
	p := i18n.For(v.Lang)
	if err == nil {
		return s.done(w, r, "/renewals", renewalDone(p, rr))
	}
	ref, ok := lifecycleRefusalOf(err, "status", "note")
	if !ok {
		return err
	}
	d := renewalsData{}
	if err := s.renewalsView(r, c, v, &d); err != nil {
		return err
	}
	shown := false // the request is on this page: its fields' problems go next to them
	for _, box := range [][]renewalRow{d.Received, d.Sent} {
		for i := range box {
			if box[i].ID == id {
				box[i].FormStatus, box[i].Refusal, shown = status, ref, true
				if note != nil {
					box[i].FormNote = *note
				}
			}
		}
	}
	if ref.Alert != "" {
		d.Alert = p.T("renewals.refused", "ID", id, "Message", ref.Alert)
	}
	if !shown {
		for f, m := range ref.Fields {
			d.Alert += " " + p.T("renewals.refused_field", "ID", id, "Field", f, "Message", m)
		}
	}
	s.show(w, ref.Status, "renewals", v)
	return nil
}

// transferRow is a transfer as the caller's company sees it, with what the
// caller may do to it.
type transferRow struct {
	disclose.Transfer        // with MayAnswer, MayCancel: open, and the caller is an administrator of the side that acts
	Open              bool   // still offered
	Deadline          string // the offer's expiry, for people: "in 13 days"
	StatusWords       string // the status in the page's language ("offered")
}

type transfersData struct {
	Received, Sent         []transferRow
	ReceivedNext, SentNext string
	Paged                  bool
	Alert                  string
}

// transferBox reads one box of the caller's transfers.
func (s *Server) transferBox(r *http.Request, c entitle.Actor, v *view, sent bool, param string) (rows []transferRow, next string, err error) {
	bound := bind("transfers", c.Company, strconv.FormatBool(sent))
	cursor := r.URL.Query().Get(param)
	before := int64(0)
	if cursor != "" {
		pos, err := s.openCursor(cursor, bound)
		if err != nil {
			return nil, "", err
		}
		if before, err = strconv.ParseInt(pos, 10, 64); err != nil {
			return nil, "", errInvalidCursor
		}
	}
	ts, err := s.cfg.Lifecycle.Transfers(r.Context(), c, sent, before, lifecyclePageSize+1)
	if err != nil {
		return nil, "", err
	}
	if len(ts) > lifecyclePageSize {
		ts = ts[:lifecyclePageSize]
		next = url.Values{param: {s.sealCursor(strconv.FormatInt(ts[lifecyclePageSize-1].ID, 10), bound)}}.Encode()
	}
	p := i18n.For(v.Lang)
	for _, t := range ts {
		rows = append(rows, transferRow{Transfer: t, Open: t.Status == entitle.TransferOffered,
			Deadline: relDaysIn(p, entitle.DateOf(t.ExpiresAt), v.Today), StatusWords: statusWords(p, "transfers.status_", t.Status)})
	}
	return rows, next, nil
}

func (s *Server) transfersView(r *http.Request, c entitle.Actor, v *view, d *transfersData) error {
	var err error
	if d.Received, d.ReceivedNext, err = s.transferBox(r, c, v, false, "received"); err != nil {
		return err
	}
	if d.Sent, d.SentNext, err = s.transferBox(r, c, v, true, "sent"); err != nil {
		return err
	}
	q := r.URL.Query()
	d.Paged = q.Get("received") != "" || q.Get("sent") != ""
	v.Title, v.Data = i18n.For(v.Lang).T("transfers.title"), d
	return nil
}

// GET /transfers: ownership offered to the company, and offered by it.
func (s *Server) transfersPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	var d transfersData
	if err := s.transfersView(r, c, v, &d); err != nil {
		return err
	}
	s.show(w, http.StatusOK, "transfers", v)
	return nil
}

// POST /transfers/{id}/{action}: accept, decline or cancel an offer (POST
// /api/v1/transfers/{id}/{action}).
func (s *Server) transferAnswerForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "transfer")
	if err != nil {
		return err
	}
	t, err := s.cfg.Lifecycle.DecideTransfer(r.Context(), c, id, r.PathValue("action"))
	p := i18n.For(v.Lang)
	if err == nil {
		var msg string
		switch t.Status {
		case entitle.TransferAccepted:
			msg = p.T("transfers.done_accepted", "Sub", t.Entitlement.SubscriptionID)
		case entitle.TransferDeclined:
			msg = p.T("transfers.done_declined", "Sub", t.Entitlement.SubscriptionID)
		default:
			msg = p.T("transfers.done_cancelled", "Sub", t.Entitlement.SubscriptionID, "To", t.To.Key)
		}
		return s.done(w, r, "/transfers", msg)
	}
	var e *entitle.Error
	if !errors.As(err, &e) || e.Code != codeConflict {
		return err
	}
	d := transfersData{Alert: p.T("transfers.refused", "ID", id, "Message", p.Refusal(e.Message))}
	if err := s.transfersView(r, c, v, &d); err != nil {
		return err
	}
	s.show(w, http.StatusConflict, "transfers", v)
	return nil
}
