// Package accessrequests is how a company asks another for access to its
// entitlements (issue 14): the requester makes a link that names no owner
// and forwards it however it likes; an administrator of the company that
// opens it approves — an ordinary delegation through the gate's one grant
// path (disclose.GrantWith, R5) — or declines. The partner asks, the owner
// decides, and the requester learns nothing about the company that opened
// its link until that company answers. Every rule comes from
// internal/policy (accessrequests.go); every step is audited with its
// change in the same transaction; each side is told by mail what its own
// view shows.
package accessrequests

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Store is what access requests read and record.
type Store interface {
	CreateAccessRequest(ctx context.Context, a entitle.AccessRequest, ev entitle.AuditEvent) (entitle.AccessRequest, error)
	AccessRequest(ctx context.Context, id int64) (entitle.AccessRequest, error)
	AccessRequestBySecret(ctx context.Context, hash string) (entitle.AccessRequest, error)
	AccessRequests(ctx context.Context, company string, received bool, limit int) ([]entitle.AccessRequest, error)
	OpenAccessRequest(ctx context.Context, id int64, company string, ev entitle.AuditEvent) error
	ApproveAccessRequest(ctx context.Context, id int64, check func(entitle.AccessRequest) error, d entitle.Delegation, grantEv, ev entitle.AuditEvent) (entitle.Delegation, entitle.AccessRequest, error)
	CloseAccessRequest(ctx context.Context, id int64, check func(entitle.AccessRequest) error, status, decider, by, reason string, now time.Time, ev entitle.AuditEvent) (entitle.AccessRequest, error)
	Owns(ctx context.Context, company string) (bool, error)
	// NoticeReaders is who of company chose to receive notices of kind
	// (administrators unless they opted out, members who opted in), each
	// with the language they read mails in.
	NoticeReaders(ctx context.Context, company, kind string) ([]entitle.Recipient, error)
	// UserByEmail is the user with that address (entitle.ErrNotFound): the
	// language a mail to one person is written in.
	UserByEmail(ctx context.Context, email string) (entitle.UserRecord, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
}

// Service is access requests on a store, granting through the gate.
type Service struct {
	Store   Store
	Gate    *disclose.Service
	Mailer  mail.Sender // none when nil
	Now     func() time.Time
	Logger  *slog.Logger
	BaseURL string // how users reach the portal: the links start with it
}

// Limits of what a request carries.
const (
	MaxMessage     = 2000
	MaxReason      = 2000
	MaxSuggestions = 100
	// ListLimit is how many requests a box shows, newest first.
	ListLimit = 200
)

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// LinkPath is the portal page a link opens; its secret is the token
// parameter: BaseURL + LinkPath + "?token=" + secret.
const LinkPath = "/access-requests/open"

// Link returns the link of secret.
func (s *Service) Link(secret string) string {
	return strings.TrimSuffix(s.BaseURL, "/") + LinkPath + "?token=" + secret
}

// Ask is what a requester sends.
type Ask struct {
	Message         string   `json:"message"`
	Days            int      `json:"days"`
	SubscriptionIDs []string `json:"subscription_ids"` // optional suggestions
}

// Created is a new request: its link is shown once, here; only its hash
// is kept.
type Created struct {
	ID        int64     `json:"id"`
	Link      string    `json:"link"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Create records c's company's request and mails its link to c.
func (s *Service) Create(ctx context.Context, c entitle.Actor, ask Ask) (Created, error) {
	now := s.now()
	d := policy.CreateAccessRequest(c)
	if err := d.Err("company", c.Company); err != nil {
		return Created{}, err
	}
	var ps entitle.Problems
	msg := strings.TrimSpace(ask.Message)
	switch {
	case msg == "":
		ps.Add("message", "required: say who your company is and why it asks for access")
	case utf8.RuneCountInString(msg) > MaxMessage:
		ps.Add("message", "at most %d characters", MaxMessage)
	}
	if ask.Days < 1 || ask.Days > entitle.MaxAccessDays {
		ps.Add("days", "a number of days from 1 to %d", entitle.MaxAccessDays)
	}
	subs := slices.Compact(slices.Sorted(slices.Values(ask.SubscriptionIDs)))
	if len(subs) > MaxSuggestions {
		ps.Add("subscription_ids", "at most %d suggestions", MaxSuggestions)
	}
	for _, sub := range subs {
		if len(sub) > 64 || !entitle.ValidKey(sub) {
			ps.Add("subscription_ids", "%q is not a subscription ID (1–64 of A-Z a-z 0-9 . _ -)", clip(sub, 40))
			break
		}
	}
	if err := ps.Err(); err != nil {
		return Created{}, err
	}
	secret, err := auth.NewSecret()
	if err != nil {
		return Created{}, err
	}
	r := entitle.AccessRequest{Requester: c.Company, RequestedBy: c.Email, Message: msg, Days: ask.Days, SubscriptionIDs: subs,
		SecretHash: auth.HashToken(secret), CreatedAt: now, ExpiresAt: now.Add(entitle.AccessRequestTTL)}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.create", Outcome: "ok",
		Detail: fmt.Sprintf("%d days, %d suggested subscriptions", ask.Days, len(subs))}
	if r, err = s.Store.CreateAccessRequest(ctx, r, ev); err != nil {
		return Created{}, err
	}
	link := s.Link(secret)
	if c.Email != "" && strings.Contains(c.Email, "@") {
		s.sendTo(ctx, c.Email, func(p *i18n.Printer) (string, string) {
			return p.T("mail.access.link_subject"), p.T("mail.access.link", "Days", r.Days, "ID", r.ID,
				"Until", r.ExpiresAt.Format("2006-01-02 15:04 UTC"), "Link", link, "Requests", s.base()+"/access-requests") + "\n"
		})
	}
	return Created{ID: r.ID, Link: link, ExpiresAt: r.ExpiresAt}, nil
}

func (s *Service) base() string { return strings.TrimSuffix(s.BaseURL, "/") }

// Request is an access request as a company sees it in its boxes: the
// requester sees its own side (who asked, what it suggested) and the
// answering company only once answered (policy.SeeAccessDecider); the
// answering company never sees the requester's users.
type Request struct {
	ID              int64           `json:"id"`
	Status          string          `json:"status"`
	Requester       disclose.Party  `json:"requester"`
	RequestedBy     string          `json:"requested_by,omitempty"`
	Message         string          `json:"message"`
	Days            int             `json:"days"`
	SubscriptionIDs []string        `json:"subscription_ids,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	ExpiresAt       time.Time       `json:"expires_at"`
	Decider         *disclose.Party `json:"decider,omitempty"`
	DecidedBy       string          `json:"decided_by,omitempty"`
	DecidedAt       *time.Time      `json:"decided_at,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	DelegationID    string          `json:"delegation_id,omitempty"`
	// MayWithdraw is for the portal's button, never encoded.
	MayWithdraw bool `json:"-"`
}

// view is r as c sees it now, or not_found (R7).
func view(c entitle.Actor, r entitle.AccessRequest, now time.Time) (Request, error) {
	see := policy.SeeAccessRequest(c, r)
	if err := see.Err("access request", strconv.FormatInt(r.ID, 10)); err != nil {
		return Request{}, err
	}
	status := r.State(now)
	v := Request{ID: r.ID, Status: status, Requester: disclose.Party{Key: r.Requester, Name: r.RequesterName}, Message: r.Message,
		Days: r.Days, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	own := see.Views.Has(policy.ViewOwnSide)
	if own {
		v.RequestedBy, v.SubscriptionIDs = r.RequestedBy, r.SubscriptionIDs
		v.MayWithdraw = status == entitle.AccessRequestOpen && policy.WithdrawAccessRequest(c, r).Allowed
		if status == entitle.AccessRequestWithdrawn {
			t := r.DecidedAt
			v.DecidedBy, v.DecidedAt = r.DecidedBy, &t
		}
	}
	if dd := policy.SeeAccessDecider(c, r, now); dd.Allowed {
		t := r.DecidedAt
		v.Decider, v.DecidedAt = &disclose.Party{Key: r.Decider, Name: r.DeciderName}, &t
		if dd.Views.Has(policy.ViewOwnSide) {
			v.DecidedBy = r.DecidedBy
		}
		switch status {
		case entitle.AccessRequestDeclined:
			v.Reason = r.Reason
		case entitle.AccessRequestApproved:
			v.DelegationID = r.DelegationID
		}
	}
	return v, nil
}

// List returns c's company's box (sent or received), newest first; the
// listing is audited.
func (s *Service) List(ctx context.Context, c entitle.Actor, box string) ([]Request, error) {
	now := s.now()
	d := policy.ListAccessRequests(c, box)
	if err := d.Err("access request box", box); err != nil {
		return nil, err
	}
	rs, err := s.Store.AccessRequests(ctx, c.Company, box == "received", ListLimit)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(rs))
	for _, r := range rs {
		v, err := view(c, r, now)
		if err != nil {
			continue // a link a third company opened after another answered it
		}
		out = append(out, v)
	}
	return out, s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.list",
		Outcome: "ok", Detail: fmt.Sprintf("%s: %d", box, len(out))})
}

// Opened is what the link shows to whoever opens it: the requesting
// company, the message and the asked duration; whether the caller may
// answer and, if not, why.
type Opened struct {
	ID         int64          `json:"id"`
	Status     string         `json:"status"`
	Requester  disclose.Party `json:"requester"`
	Message    string         `json:"message"`
	Days       int            `json:"days"`
	ExpiresAt  time.Time      `json:"expires_at"`
	MayApprove bool           `json:"may_approve"`
	MayDecline bool           `json:"may_decline"`
	Why        string         `json:"why,omitempty"` // why the caller may not answer
	// Suggested are the suggested subscriptions the caller's company owns
	// (to an approver only): suggestions it does not own are never named.
	Suggested []string `json:"suggested,omitempty"`
	// Owned is what the approver's company owns, for the portal's
	// checkboxes (Open with owned); never encoded.
	Owned []disclose.Entitlement `json:"-"`
}

var errBadLink = entitle.Errorf(entitle.CodeNotFound, "this access request link is not valid: check that you copied the whole link")

// bySecret returns the request of a link's secret, or not_found.
func (s *Service) bySecret(ctx context.Context, secret string) (entitle.AccessRequest, error) {
	if secret == "" || len(secret) > 200 {
		return entitle.AccessRequest{}, errBadLink
	}
	r, err := s.Store.AccessRequestBySecret(ctx, auth.HashToken(secret))
	if errors.Is(err, entitle.ErrNotFound) {
		return r, errBadLink
	}
	return r, err
}

// closed is the refusal of an answer to r, which is no longer open for
// c's company (nil while it is open): c learns no more than that the link
// was used, withdrawn or expired — never by whom it was answered.
func (s *Service) closed(ctx context.Context, c entitle.Actor, r entitle.AccessRequest, action string, now time.Time) error {
	var err error
	switch r.State(now) {
	case entitle.AccessRequestOpen:
		return nil
	case entitle.AccessRequestExpired:
		err = entitle.Errorf(entitle.CodeConflict, "this access request link expired on %s: ask the company that sent it for a new one",
			r.ExpiresAt.Format("2006-01-02"))
		if aerr := s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.expired",
			Object: strconv.FormatInt(r.ID, 10), Outcome: "denied", Detail: action}); aerr != nil {
			return aerr
		}
		return err
	case entitle.AccessRequestWithdrawn:
		return entitle.Errorf(entitle.CodeConflict, "this access request was withdrawn by the company that sent it")
	}
	return entitle.Errorf(entitle.CodeConflict, "this access request link was used already: it works once")
}

// Open returns what secret's link shows to c, recording (for c's company
// only, never shown to the requester) that c's company opened it; with
// owned, an approver also gets what its company owns (the portal's form).
// The opening is audited for c's company.
func (s *Service) Open(ctx context.Context, c entitle.Actor, secret string, owned bool) (Opened, error) {
	now := s.now()
	r, err := s.bySecret(ctx, secret)
	if err != nil {
		return Opened{}, err
	}
	d := policy.OpenAccessLink(c, r)
	if err := d.Err("access request link", ""); err != nil {
		return Opened{}, err
	}
	mine := c.Company == r.Requester || c.Company == r.Decider
	if !mine {
		if err := s.closed(ctx, c, r, "open", now); err != nil {
			return Opened{}, err
		}
	}
	out := Opened{ID: r.ID, Status: r.State(now), Requester: disclose.Party{Key: r.Requester, Name: r.RequesterName},
		Message: r.Message, Days: r.Days, ExpiresAt: r.ExpiresAt}
	owns, err := s.Store.Owns(ctx, c.Company)
	if err != nil {
		return Opened{}, err
	}
	approve := policy.AnswerAccessRequest(c, r, policy.AccessApprove, owns)
	decline := policy.AnswerAccessRequest(c, r, policy.AccessDecline, owns)
	open := out.Status == entitle.AccessRequestOpen
	out.MayApprove, out.MayDecline = open && approve.Allowed, open && decline.Allowed
	switch {
	case !open:
		out.Why = "this access request is " + out.Status
	case !approve.Allowed && len(approve.Reasons) > 0:
		out.Why = approve.Reasons[0]
	}
	if out.MayApprove {
		for _, sub := range r.SubscriptionIDs {
			if s.owned(ctx, c, sub) {
				out.Suggested = append(out.Suggested, sub)
			}
		}
		if owned {
			page, err := s.Gate.List(ctx, c, "", disclose.MaxLimit, entitle.ListFilter{Basis: entitle.BasisOwner})
			if err != nil {
				return Opened{}, err
			}
			out.Owned = page.Items
		}
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.open", Object: strconv.FormatInt(r.ID, 10),
		Outcome: "ok", Detail: "from " + r.Requester}
	if c.Company == r.Requester || !open {
		return out, s.Store.Audit(ctx, ev)
	}
	return out, s.Store.OpenAccessRequest(ctx, r.ID, c.Company, ev)
}

// owned reports whether c's company owns sub, as the gate shows it to c:
// a subscription c cannot see is simply not owned (R7: never named).
func (s *Service) owned(ctx context.Context, c entitle.Actor, sub string) bool {
	seen, err := s.Gate.Seen(ctx, c, sub)
	return err == nil && seen.Decision.On(entitle.BasisOwner)
}

// answerable returns the request of secret when c may give it answer
// (policy first, then the request's state), auditing a refusal.
func (s *Service) answerable(ctx context.Context, c entitle.Actor, secret, answer string, now time.Time) (entitle.AccessRequest, policy.Decision, error) {
	r, err := s.bySecret(ctx, secret)
	if err != nil {
		return r, policy.Decision{}, err
	}
	owns, err := s.Store.Owns(ctx, c.Company)
	if err != nil {
		return r, policy.Decision{}, err
	}
	d := policy.AnswerAccessRequest(c, r, answer, owns)
	if err := d.Err("access request link", ""); err != nil {
		if aerr := s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request." + answer,
			Object: strconv.FormatInt(r.ID, 10), Outcome: "denied", Detail: strings.Join(d.Reasons, "; ")}); aerr != nil {
			return r, d, aerr
		}
		return r, d, err
	}
	return r, d, s.closed(ctx, c, r, answer, now)
}

// stillOpen is the check an answer makes inside its transaction.
func stillOpen(now time.Time) func(entitle.AccessRequest) error {
	return func(r entitle.AccessRequest) error {
		switch r.State(now) {
		case entitle.AccessRequestOpen:
			return nil
		case entitle.AccessRequestExpired:
			return entitle.Errorf(entitle.CodeConflict, "this access request link expired on %s: ask the company that sent it for a new one",
				r.ExpiresAt.Format("2006-01-02"))
		}
		return entitle.Errorf(entitle.CodeConflict, "this access request link was used already: it works once")
	}
}

// Approval is what an approver chooses.
type Approval struct {
	SubscriptionIDs *[]string `json:"subscription_ids"` // absent or null: all it owns, now and later
	Days            int       `json:"days"`             // 0: the asked duration
}

// Approve answers secret's request yes: an ordinary delegation from c's
// company to the requester (disclose.GrantWith, R5), of all it owns or of
// the picked subscriptions it owns (others are ignored, never named), for
// at most the asked days. The delegation and the answer are one
// transaction.
func (s *Service) Approve(ctx context.Context, c entitle.Actor, secret string, ap Approval) (Request, error) {
	now := s.now()
	r, _, err := s.answerable(ctx, c, secret, policy.AccessApprove, now)
	if err != nil {
		return Request{}, err
	}
	var ps entitle.Problems
	days := ap.Days
	if days == 0 {
		days = r.Days
	}
	if days < 1 || days > r.Days {
		ps.Add("days", "a number of days from 1 to %d, the duration asked for", r.Days)
	}
	var picked *[]string
	if ap.SubscriptionIDs != nil {
		var mine []string
		for _, sub := range slices.Compact(slices.Sorted(slices.Values(*ap.SubscriptionIDs))) {
			if len(mine) < disclose.MaxLimit && s.owned(ctx, c, sub) {
				mine = append(mine, sub)
			}
		}
		if len(mine) == 0 {
			ps.Add("subscription_ids", "none of these is an entitlement your company owns: pick among yours, or omit the list to give access to all")
		}
		picked = &mine
	}
	if err := ps.Err(); err != nil {
		return Request{}, err
	}
	g := disclose.Grant{Delegate: r.Requester, SubscriptionIDs: picked, ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour).Format(time.RFC3339)}
	var closed entitle.AccessRequest
	dl, err := s.Gate.GrantWith(ctx, c, g, func(ctx context.Context, d entitle.Delegation, grantEv entitle.AuditEvent) (entitle.Delegation, error) {
		ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.approve", Object: strconv.FormatInt(r.ID, 10),
			Basis: grantEv.Basis, Outcome: "ok", Detail: fmt.Sprintf("to %s, %d days, %s", r.Requester, days, grantEv.Detail)}
		var err error
		d, closed, err = s.Store.ApproveAccessRequest(ctx, r.ID, stillOpen(now), d, grantEv, ev)
		return d, err
	})
	if err != nil {
		return Request{}, err
	}
	s.sendTo(ctx, r.RequestedBy, func(p *i18n.Printer) (string, string) {
		return p.T("mail.access.yours_approved_subject"), p.T("mail.access.yours_approved", "Decider", closed.DeciderName, "ID", r.ID,
			"Scope", scopeWords(p, dl), "Until", dl.ExpiresAt.Format("2006-01-02 15:04 UTC"), "Link", s.base()+"/delegations") + "\n"
	})
	s.tell(ctx, c.Company, func(p *i18n.Printer) (string, string) {
		return p.T("mail.access.approved_subject"), fmt.Sprintf("%s\n\n%s\n",
			p.T("mail.access.approved", "Who", c.Email, "Requester", r.RequesterName, "ID", dl.ID, "Scope", scopeWords(p, dl),
				"Until", dl.ExpiresAt.Format("2006-01-02 15:04 UTC")),
			p.T("mail.access.revoke", "Link", s.base()+"/delegations"))
	})
	return view(c, closed, now)
}

// Decline answers secret's request no, with a reason the requester reads
// with the name of c's company.
func (s *Service) Decline(ctx context.Context, c entitle.Actor, secret, reason string) (Request, error) {
	now := s.now()
	r, _, err := s.answerable(ctx, c, secret, policy.AccessDecline, now)
	if err != nil {
		return Request{}, err
	}
	reason = strings.TrimSpace(reason)
	var ps entitle.Problems
	switch {
	case reason == "":
		ps.Add("reason", "required: tell the company that asked why you decline")
	case utf8.RuneCountInString(reason) > MaxReason:
		ps.Add("reason", "at most %d characters", MaxReason)
	}
	if err := ps.Err(); err != nil {
		return Request{}, err
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.decline", Object: strconv.FormatInt(r.ID, 10),
		Outcome: "ok", Detail: "from " + r.Requester}
	closed, err := s.Store.CloseAccessRequest(ctx, r.ID, stillOpen(now), entitle.AccessRequestDeclined, c.Company, c.Email, reason, now, ev)
	if err != nil {
		return Request{}, err
	}
	s.sendTo(ctx, r.RequestedBy, func(p *i18n.Printer) (string, string) {
		return p.T("mail.access.yours_declined_subject"), p.T("mail.access.yours_declined", "Decider", closed.DeciderName, "ID", r.ID,
			"Reason", reason, "Link", s.base()+"/access-requests") + "\n"
	})
	s.tell(ctx, c.Company, func(p *i18n.Printer) (string, string) {
		return p.T("mail.access.declined_subject"), fmt.Sprintf("%s\n\n%s\n",
			p.T("mail.access.declined", "Who", c.Email, "Requester", r.RequesterName), p.T("mail.access.reason", "Reason", reason))
	})
	return view(c, closed, now)
}

// Withdraw closes c's company's open request id (the user who asked, or an
// administrator); another company's is not_found (R7).
func (s *Service) Withdraw(ctx context.Context, c entitle.Actor, id int64) (Request, error) {
	now := s.now()
	missing := entitle.Errorf(entitle.CodeNotFound, "access request %d not found", id)
	r, err := s.Store.AccessRequest(ctx, id)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		return Request{}, missing
	case err != nil:
		return Request{}, err
	}
	d := policy.WithdrawAccessRequest(c, r)
	if err := d.Err("access request", strconv.FormatInt(id, 10)); err != nil {
		if d.Visible {
			if aerr := s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.withdraw",
				Object: strconv.FormatInt(id, 10), Outcome: "denied", Detail: strings.Join(d.Reasons, "; ")}); aerr != nil {
				return Request{}, aerr
			}
		}
		return Request{}, err
	}
	check := func(r entitle.AccessRequest) error {
		if st := r.State(now); st != entitle.AccessRequestOpen {
			return entitle.Errorf(entitle.CodeConflict, "this access request is %s already", st)
		}
		return nil
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "access_request.withdraw", Object: strconv.FormatInt(id, 10), Outcome: "ok"}
	closed, err := s.Store.CloseAccessRequest(ctx, id, check, entitle.AccessRequestWithdrawn, "", c.Email, "", now, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return Request{}, missing
	}
	if err != nil {
		return Request{}, err
	}
	to := []string{r.RequestedBy}
	if c.Email != r.RequestedBy && strings.Contains(c.Email, "@") {
		to = append(to, c.Email)
	}
	for _, addr := range to {
		s.sendTo(ctx, addr, func(p *i18n.Printer) (string, string) {
			return p.T("mail.access.yours_withdrawn_subject"), p.T("mail.access.yours_withdrawn", "Who", c.Email, "ID", id,
				"Link", s.base()+"/access-requests") + "\n"
		})
	}
	if r.Opened != "" {
		s.tell(ctx, r.Opened, func(p *i18n.Printer) (string, string) {
			return p.T("mail.access.withdrawn_subject"), p.T("mail.access.withdrawn", "Requester", r.RequesterName) + "\n"
		})
	}
	return view(c, closed, now)
}

// Recipients is who of company is told by mail of an access request it
// opened or answered: the users whose notice preferences take access
// requests (administrators by default, members who opted in). It is the
// one place that chooses them.
func (s *Service) Recipients(ctx context.Context, company string) ([]entitle.Recipient, error) {
	return s.Store.NoticeReaders(ctx, company, entitle.NoticeAccessRequests)
}

// tell mails the deciding company's recipients, one message per language
// they read (i18n.Audiences), composed in it.
func (s *Service) tell(ctx context.Context, company string, compose func(p *i18n.Printer) (subject, text string)) {
	if s.Mailer == nil {
		return
	}
	to, err := s.Recipients(ctx, company)
	if err != nil {
		s.log().ErrorContext(ctx, "access request mail not sent", slog.String("company", company), slog.Any("err", err))
		return
	}
	for _, a := range i18n.Audiences(to) {
		subject, text := compose(i18n.For(a.Lang))
		s.send(ctx, a.To, subject, text)
	}
}

// scopeWords says what d covers in p's language, as its ScopeWords does in
// English.
func scopeWords(p *i18n.Printer, d disclose.Delegation) string {
	if d.Scope == "all" {
		return p.T("delegations.scope_words_all")
	}
	return p.N("delegations.scope_words_listed", len(d.SubscriptionIDs))
}

// sendTo mails one person in the language they chose (English when they
// chose none, or have no account: a mail has no browser).
func (s *Service) sendTo(ctx context.Context, addr string, compose func(p *i18n.Printer) (subject, text string)) {
	lang := i18n.English
	if u, err := s.Store.UserByEmail(ctx, addr); err == nil {
		if l := i18n.Lang(u.Language); l.Valid() {
			lang = l
		}
	}
	subject, text := compose(i18n.For(lang))
	s.send(ctx, []string{addr}, subject, text)
}

// send mails to; the portal's lists are the record, mail only the alert:
// a failure is logged, not returned.
func (s *Service) send(ctx context.Context, to []string, subject, text string) {
	if s.Mailer == nil || len(to) == 0 {
		return
	}
	if err := s.Mailer.Send(ctx, mail.Message{To: to, Subject: subject, Text: text}); err != nil {
		s.log().ErrorContext(ctx, "access request mail not sent", slog.String("subject", subject), slog.Any("err", err))
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
