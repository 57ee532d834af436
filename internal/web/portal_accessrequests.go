package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accessrequests"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The Access requests pages (issue 14): the requester's form and its two
// boxes, and the page behind a request's link, where an administrator of
// the company that opens it approves or declines.

// accessRequestsData is the Access requests page.
type accessRequestsData struct {
	Created        *accessrequests.Created // the new link, shown once
	Message, Subs  string
	Days           string
	Alert          string
	Sent, Received []accessRequestRow
	MaxDays        int
}

// accessRequestRow is a request as the page lists it.
type accessRequestRow struct {
	accessrequests.Request
	StatusWords string // the status as its badge shows it ("open")
}

// accessRequestRows are list's requests, their statuses in p's language.
func accessRequestRows(p *i18n.Printer, list []accessrequests.Request) []accessRequestRow {
	rows := make([]accessRequestRow, len(list))
	for i, req := range list {
		rows[i] = accessRequestRow{Request: req, StatusWords: statusWords(p, "accessrequests.status_", req.Status)}
	}
	return rows
}

func (s *Server) showAccessRequests(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, d *accessRequestsData) error {
	p := i18n.For(v.Lang)
	sent, err := s.cfg.AccessRequests.List(r.Context(), c, "sent")
	if err != nil {
		return err
	}
	received, err := s.cfg.AccessRequests.List(r.Context(), c, "received")
	if err != nil {
		return err
	}
	d.Sent, d.Received = accessRequestRows(p, sent), accessRequestRows(p, received)
	if d.Days == "" {
		d.Days = "90"
	}
	d.MaxDays = entitle.MaxAccessDays
	v.Title, v.Data = p.T("accessrequests.title"), d
	s.show(w, status, "accessrequests", v)
	return nil
}

// GET /access-requests: the form, and the requests sent and received.
func (s *Server) accessRequestsPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	return s.showAccessRequests(w, r, c, v, http.StatusOK, &accessRequestsData{})
}

// splitIDs reads subscription IDs typed one a line, or separated by commas
// or spaces.
func splitIDs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// POST /access-requests (message, days, subscription_ids): the new link is
// shown once, on the page itself (never in a URL or a cookie).
func (s *Server) createAccessRequestForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	d := &accessRequestsData{Message: r.PostForm.Get("message"), Days: strings.TrimSpace(r.PostForm.Get("days")), Subs: r.PostForm.Get("subscription_ids")}
	days, err := strconv.Atoi(d.Days)
	if err != nil {
		days = -1
	}
	out, err := s.cfg.AccessRequests.Create(r.Context(), c, accessrequests.Ask{Message: d.Message, Days: days, SubscriptionIDs: splitIDs(d.Subs)})
	if err != nil {
		status, _ := s.describe(r, err)
		if status >= http.StatusInternalServerError {
			return err
		}
		d.Alert = s.pageMessage(r, err)
		return s.showAccessRequests(w, r, c, v, status, d)
	}
	return s.showAccessRequests(w, r, c, v, http.StatusCreated, &accessRequestsData{Created: &out})
}

// POST /access-requests/{id}/withdraw.
func (s *Server) withdrawAccessRequestForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "access request")
	if err != nil {
		return err
	}
	if _, err := s.cfg.AccessRequests.Withdraw(r.Context(), c, id); err != nil {
		status, _ := s.describe(r, err)
		if status >= http.StatusInternalServerError || status == http.StatusNotFound {
			return err
		}
		return s.showAccessRequests(w, r, c, v, status, &accessRequestsData{Alert: i18n.For(v.Lang).T("accessrequests.refused", "ID", id, "Message", s.pageMessage(r, err))})
	}
	return s.done(w, r, "/access-requests", i18n.For(v.Lang).T("accessrequests.withdrew", "ID", id))
}

// accessLinkData is the page behind a link.
type accessLinkData struct {
	Token  string
	Opened *accessrequests.Opened
	Alert  string
	// The approval form, as last sent.
	Scope     string // "all" or "picked"
	Picked    map[string]bool
	Days      string
	Reason    string
	Approved  bool
	Declined  bool
	Delegates string // the delegation's words after an approval
	// The request's days and status in the page's language ("90 days", "open").
	DaysWords, StatusWords string
}

func (s *Server) showAccessLink(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, d *accessLinkData) error {
	if d.Opened == nil {
		o, err := s.cfg.AccessRequests.Open(r.Context(), c, d.Token, true)
		if err != nil {
			st, _ := s.describe(r, err)
			if st >= http.StatusInternalServerError {
				return err
			}
			if d.Alert == "" {
				d.Alert = s.pageMessage(r, err)
			}
			if status == http.StatusOK {
				status = st
			}
		} else {
			d.Opened = &o
		}
	}
	if d.Opened != nil && d.Picked == nil {
		d.Picked = map[string]bool{}
		for _, sub := range d.Opened.Suggested {
			d.Picked[sub] = true
		}
		if len(d.Opened.Suggested) > 0 && d.Scope == "" {
			d.Scope = "picked"
		}
	}
	if d.Scope == "" {
		d.Scope = "all"
	}
	p := i18n.For(v.Lang)
	if d.Opened != nil {
		if d.Days == "" {
			d.Days = strconv.Itoa(d.Opened.Days)
		}
		d.DaysWords, d.StatusWords = p.N("accesslink.days", d.Opened.Days), statusWords(p, "accessrequests.status_", d.Opened.Status)
	}
	v.Title, v.Data = p.T("accesslink.title"), d
	s.show(w, status, "accesslink", v)
	return nil
}

// GET /access-requests/open?token=…: what the link asks; for an
// administrator of a company that owns entitlements, the form to answer.
func (s *Server) accessLinkPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	return s.showAccessLink(w, r, c, v, http.StatusOK, &accessLinkData{Token: r.URL.Query().Get("token")})
}

// POST /access-requests/open (token, action approve|decline, scope,
// subscription_ids, days, reason).
func (s *Server) accessLinkForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	f := r.PostForm
	d := &accessLinkData{Token: f.Get("token"), Scope: f.Get("scope"), Days: strings.TrimSpace(f.Get("days")), Reason: f.Get("reason"),
		Picked: map[string]bool{}}
	for _, sub := range f["subscription_ids"] {
		d.Picked[sub] = true
	}
	var out accessrequests.Request
	var err error
	switch f.Get("action") {
	case policy.AccessApprove:
		ap := accessrequests.Approval{}
		if d.Days != "" {
			if ap.Days, err = strconv.Atoi(d.Days); err != nil || ap.Days == 0 {
				ap.Days = -1
			}
		}
		if d.Scope == "picked" {
			picked := f["subscription_ids"]
			if picked == nil {
				picked = []string{}
			}
			ap.SubscriptionIDs = &picked
		}
		out, err = s.cfg.AccessRequests.Approve(r.Context(), c, d.Token, ap)
	case policy.AccessDecline:
		out, err = s.cfg.AccessRequests.Decline(r.Context(), c, d.Token, d.Reason)
	default:
		return errorf(codeInvalid, "choose approve or decline")
	}
	if err != nil {
		status, _ := s.describe(r, err)
		if status >= http.StatusInternalServerError {
			return err
		}
		d.Alert = s.pageMessage(r, err)
		return s.showAccessLink(w, r, c, v, status, d)
	}
	if out.Status == entitle.AccessRequestApproved {
		return s.done(w, r, "/delegations", i18n.For(v.Lang).T("accessrequests.approved", "Requester", out.Requester.Name))
	}
	return s.done(w, r, "/access-requests", i18n.For(v.Lang).T("accessrequests.declined", "Requester", out.Requester.Name))
}
