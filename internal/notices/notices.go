package notices

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/mail"
)

// Service sends the expiry notices that are due. Several Services — in one
// process or many, on one database — may run at once: each notice goes out
// once (see the package documentation). One Service makes one run at a
// time.
type Service struct {
	Store   Store
	Gate    *disclose.Service // what a digest may tell its company
	Mailer  mail.Sender       // where digests go; required
	Now     func() time.Time  // the clock; time.Now when nil
	Stages  Stages            // DefaultStages when empty
	Logger  *slog.Logger      // nil: no logs
	BaseURL string            // how users reach the portal, for the link in each digest; none when ""
	// Lease is how long a claim holds before another run may take it over
	// (its run is presumed dead); 15 minutes when zero. A send may take half
	// of it.
	Lease time.Duration

	mu sync.Mutex // one run at a time
}

// Store is what a notice run reads and claims.
type Store interface {
	ExpiringEntitlements(ctx context.Context, from, to entitle.Date, after entitle.ExpiringAfter, limit int) ([]entitle.Expiring, error)
	PruneNoticeClaims(ctx context.Context, before entitle.Date) (int64, error)
	ClaimNotices(ctx context.Context, batch entitle.NoticeBatch, token string, now time.Time, lease time.Duration,
		audit func(claimed []string) entitle.AuditEvent) ([]string, error)
	MarkNoticesSent(ctx context.Context, batch entitle.NoticeBatch, token string, now time.Time) (int, error)
	ReleaseNotices(ctx context.Context, batch entitle.NoticeBatch, token, reason string, ev entitle.AuditEvent) error
	NoticeReaders(ctx context.Context, company, kind string) ([]entitle.Recipient, error)
	Company(ctx context.Context, key string) (entitle.Company, error)
	VendorKey(ctx context.Context) (string, error)
}

// DefaultLease is the Lease of a Service that sets none.
const DefaultLease = 15 * time.Minute

// pruneAfter is how long after an entitlement's end its claims are kept.
const pruneAfter = 30

// pageSize is how many entitlements a run reads at a time.
const pageSize = 500

// Report is what a run did.
type Report struct {
	Digests      int // digests sent
	Entitlements int // the entitlements they listed (one told to its owner and its partner counts twice)
	Skipped      int // digests not sent: the company has no active administrator
	Failed       int // digests not delivered; their notices are tried again by the next run
	// Withheld counts notices the policy did not allow (their recipient may
	// not see the entitlement); none in a consistent channel.
	Withheld int
	Details  []Digest // one per digest sent, skipped or failed
}

// Digest is the outcome of one digest: the notices of one stage to one company.
type Digest struct {
	Company      string
	Stage        int
	Entitlements int
	Recipients   []string // the company's active administrators
	Outcome      string   // sent, skipped (no active administrator) or failed
	Error        string   // why it failed
}

// Digest outcomes.
const (
	Sent    = "sent"
	Skipped = "skipped"
	Failed  = "failed"
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) lease() time.Duration {
	if s.Lease <= 0 {
		return DefaultLease
	}
	return s.Lease
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// due is a notice a run found due: one entitlement for one recipient at one
// stage.
type due struct {
	entitle.NoticeItem
	owner bool // the recipient is the entitlement's owner
}

// key is one digest: a company and a stage.
type key struct {
	company string
	stage   int
}

// Run sends the notices that are due today and returns what it did. A
// digest that cannot be delivered is reported (and tried again by the next
// run), not returned as an error; an error is a failure of the database or
// the end of ctx.
func (s *Service) Run(ctx context.Context) (Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep Report
	if s.Mailer == nil {
		return rep, errors.New("notices: no Mailer")
	}
	stages := DefaultStages
	if len(s.Stages) > 0 {
		var err error
		if stages, err = s.Stages.normalize(); err != nil {
			return rep, fmt.Errorf("notices: %w", err)
		}
	}
	now := s.now()
	today := entitle.DateOf(now)
	if _, err := s.Store.PruneNoticeClaims(ctx, today.AddDays(-pruneAfter)); err != nil {
		return rep, fmt.Errorf("notices: prune claims: %w", err)
	}
	groups, err := s.dueNotices(ctx, stages, now)
	if err != nil {
		return rep, err
	}
	r := &run{Service: s, token: newToken(), today: today, names: map[string]string{}}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.company, b.company), cmp.Compare(b.stage, a.stage)) })
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := r.digest(ctx, k, groups[k], &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// dueNotices reads the entitlements ending within the largest stage and
// returns the notices due, by digest.
func (s *Service) dueNotices(ctx context.Context, stages Stages, now time.Time) (map[key][]due, error) {
	today := entitle.DateOf(now)
	cutoff := now.Add(-s.lease())
	groups := map[key][]due{}
	for after := (entitle.ExpiringAfter{}); ; {
		page, err := s.Store.ExpiringEntitlements(ctx, today, today.AddDays(stages[0]), after, pageSize)
		if err != nil {
			return nil, fmt.Errorf("notices: %w", err)
		}
		for _, x := range page {
			stage, ok := stages.Current(today.DaysUntil(x.EndDate))
			if !ok {
				continue
			}
			partner, _ := entitle.PartnerOfRecord(x.Roles, x.Owner)
			recipients := []string{x.Owner}
			if partner != "" && partner != x.Owner {
				recipients = append(recipients, partner)
			}
			for _, co := range recipients {
				if !claimable(x.Claims, stage, co, cutoff) {
					continue
				}
				k := key{co, stage}
				groups[k] = append(groups[k], due{NoticeItem: entitle.NoticeItem{SubscriptionID: x.SubscriptionID, EndDate: x.EndDate},
					owner: co == x.Owner})
			}
		}
		if len(page) < pageSize {
			return groups, nil
		}
		last := page[len(page)-1]
		after = entitle.ExpiringAfter{EndDate: last.EndDate, SubscriptionID: last.SubscriptionID}
	}
}

// claimable reports whether the notice (stage, company) of an entitlement
// with claims may be claimed: never claimed, or unsent with its claim
// released or taken before cutoff. It only spares the database the claims
// that would fail; ClaimNotices decides.
func claimable(claims []entitle.NoticeClaim, stage int, company string, cutoff time.Time) bool {
	for _, c := range claims {
		if c.Stage == stage && c.Company == company {
			return c.SentAt.IsZero() && (c.ClaimedAt.IsZero() || !c.ClaimedAt.After(cutoff))
		}
	}
	return true
}

// run is the state of one Run.
type run struct {
	*Service
	token string // this run's claims
	today entitle.Date
	names map[string]string // company names by key
}

// line is one entitlement of a digest, as the gate shows it to the
// recipient.
type line struct {
	due
	e disclose.Entitlement
}

// digest sends the notices of one stage to one company.
func (r *run) digest(ctx context.Context, k key, dues []due, rep *Report) error {
	readers, err := r.admins(ctx, k.company)
	if err != nil {
		return err
	}
	admins := make([]string, len(readers))
	for i, a := range readers {
		admins[i] = a.Email
	}
	if len(admins) == 0 {
		rep.Skipped++
		rep.Details = append(rep.Details, Digest{Company: k.company, Stage: k.stage, Entitlements: len(dues), Outcome: Skipped})
		r.log().DebugContext(ctx, "expiry notice skipped: the company has no active administrator",
			slog.String("company", k.company), slog.Int("stage", k.stage), slog.Int("entitlements", len(dues)))
		return nil
	}

	// The gate decides what the recipient may be told (R1, R4): the
	// entitlements it may see now, as it would see them in its list.
	now := r.now()
	to, err := r.Gate.ActorFor(ctx, k.company, actor)
	if err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	subs := make([]string, len(dues))
	for i, d := range dues {
		subs[i] = d.SubscriptionID
	}
	msg, err := r.Gate.Message(ctx, to, subs)
	if err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	told := make(map[string]disclose.Entitlement, len(msg.Items))
	for _, e := range msg.Items {
		told[e.SubscriptionID] = e
	}
	var lines []line
	for _, d := range dues {
		e, ok := told[d.SubscriptionID]
		if !ok {
			rep.Withheld++
			r.log().WarnContext(ctx, "expiry notice withheld: the company may not see the entitlement",
				slog.String("company", k.company), slog.String("subscription", d.SubscriptionID))
			continue
		}
		lines = append(lines, line{due: d, e: e})
	}
	if len(lines) == 0 {
		return nil
	}

	batch := entitle.NoticeBatch{Company: k.company, Stage: k.stage}
	for _, l := range lines {
		batch.Items = append(batch.Items, l.NoticeItem)
	}
	claimed, err := r.Store.ClaimNotices(ctx, batch, r.token, now, r.lease(), func(claimed []string) entitle.AuditEvent {
		return msg.Only(claimed).Event(now, "notice.expiry", stageObject(k.stage),
			clip(fmt.Sprintf("%s to %s", count(len(claimed), "entitlement"), strings.Join(admins, ", ")), 1000))
	})
	if err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	if len(claimed) == 0 {
		r.log().DebugContext(ctx, "expiry notices claimed by another run", slog.String("company", k.company), slog.Int("stage", k.stage))
		return nil
	}
	lines = slices.DeleteFunc(lines, func(l line) bool {
		_, ok := slices.BinarySearch(claimed, l.SubscriptionID)
		return !ok
	})
	batch.Items = batch.Items[:0]
	for _, l := range lines {
		batch.Items = append(batch.Items, l.NoticeItem)
	}
	out := Digest{Company: k.company, Stage: k.stage, Entitlements: len(lines), Recipients: admins}

	// From here on the notices are this run's: whatever happens, they are
	// either marked sent or released for the next run. Each language its
	// recipients read gets its message; when one fails, the notices are
	// released and the next run sends them all again.
	ms, err := r.messages(ctx, k, lines, readers)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, r.lease()/2)
		for _, m := range ms {
			if err = r.Mailer.Send(sctx, m); err != nil {
				break
			}
		}
		cancel()
	}
	settle, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err != nil {
		r.log().WarnContext(ctx, "expiry notice not delivered; the next run tries again",
			slog.String("company", k.company), slog.Int("stage", k.stage), slog.Any("err", err))
		reason := mailReason(err)
		ev := entitle.AuditEvent{At: r.now(), Actor: actor, Company: k.company, Action: "notice.expiry", Object: stageObject(k.stage),
			Outcome: "failed", Detail: clip(reason, 1000)}
		if rerr := r.Store.ReleaseNotices(settle, batch, r.token, clip(err.Error(), 500), ev); rerr != nil {
			return fmt.Errorf("notices: release claims after a failed send: %w", rerr)
		}
		out.Outcome, out.Error = Failed, reason
		rep.Failed++
		rep.Details = append(rep.Details, out)
		return nil
	}
	n, err := r.Store.MarkNoticesSent(settle, batch, r.token, r.now())
	if err != nil {
		return fmt.Errorf("notices: the digest to %s was sent but not recorded (it may go out again): %w", k.company, err)
	}
	if n < len(batch.Items) {
		r.log().WarnContext(ctx, "expiry notice sent after its claim expired: another run may send it too",
			slog.String("company", k.company), slog.Int("stage", k.stage), slog.Int("lost", len(batch.Items)-n))
	}
	r.log().InfoContext(ctx, "expiry notice sent", slog.String("company", k.company), slog.Int("stage", k.stage),
		slog.Int("entitlements", len(lines)), slog.Int("recipients", len(admins)))
	out.Outcome = Sent
	rep.Digests++
	rep.Entitlements += len(lines)
	rep.Details = append(rep.Details, out)
	return nil
}

// actor is the audit trail's actor of notices.
const actor = "notices"

func stageObject(stage int) string { return fmt.Sprintf("%d days", stage) }

// admins returns the company's recipients of expiry digests, with the
// language each reads: its active users who chose to receive them, and its
// administrators who did not choose otherwise (notice preferences).
func (r *run) admins(ctx context.Context, company string) ([]entitle.Recipient, error) {
	out, err := r.Store.NoticeReaders(ctx, company, entitle.NoticeExpiryDigest)
	if err != nil {
		return nil, fmt.Errorf("notices: recipients of %s: %w", company, err)
	}
	return out, nil
}

// name returns the name of the company with key.
func (r *run) name(ctx context.Context, key string) (string, error) {
	if n, ok := r.names[key]; ok {
		return n, nil
	}
	c, err := r.Store.Company(ctx, key)
	if err != nil {
		return "", fmt.Errorf("company %s: %w", key, err)
	}
	r.names[key] = c.Name
	return c.Name, nil
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}

// mailReason says, for the recipient company's administrators (who read its
// audit events), why a digest was not delivered: the mail server's own
// answer when it gave one. The full error goes to the server log and the
// claim's last_error, which only the operator sees (it may name internal
// hosts).
func mailReason(err error) string {
	var te *textproto.Error
	var me *mail.MessageError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("not delivered: the mail server refused it: %d %s", te.Code, clip(te.Msg, 200))
	case errors.As(err, &me):
		return "not delivered: the message could not be sent as it is: " + clip(me.Problem, 200)
	case mail.IsPermanent(err):
		return "not delivered: the portal's mail settings do not work with the mail server"
	}
	return "not delivered for now; tried again on the next run"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		n--
	}
	return s[:n] + "…"
}

// count is "1 entitlement", "3 entitlements".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
