// Package channel is the vendor's record of its channel as the portal shows
// and changes it: the directory of companies, the MSAs, importing the ERP's
// files, and the announcements every user sees as a banner until they
// dismiss it. The vendor's pages exist for the vendor's members only (R6,
// R7: to anybody else they do not exist at all); its administrators import
// and post (policy.VendorPages, policy.ChangeVendorRecord).
package channel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/importer"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Store is what the vendor's record is read from and written to.
type Store interface {
	CompanySummaries(ctx context.Context, after string, limit int) ([]entitle.CompanySummary, error)
	MSAs(ctx context.Context, after string, limit int) ([]entitle.MSARecord, error)
	Import(ctx context.Context, b entitle.Batch, opt entitle.ImportOptions, now time.Time) (entitle.ImportResult, entitle.Problems, error)
	// The ingest API's record of its imports (ingest.go).
	CreateImportJob(ctx context.Context, j entitle.ImportJob) (entitle.ImportJob, bool, error)
	ImportJob(ctx context.Context, id int64) (entitle.ImportJob, error)
	ImportJobs(ctx context.Context, limit int) ([]entitle.ImportJob, error)
	ImportJobProgress(ctx context.Context, id int64, records, done, total int, now time.Time) error
	FinishImportJob(ctx context.Context, j entitle.ImportJob) error
	FailStaleImportJob(ctx context.Context, id int64, before, now time.Time, message string) (bool, error)
	ReleaseImportKey(ctx context.Context, id int64) error
	Announcements(ctx context.Context, before int64, limit int) ([]entitle.Announcement, error)
	PostAnnouncement(ctx context.Context, a entitle.Announcement, ev entitle.AuditEvent) (entitle.Announcement, error)
	EndAnnouncement(ctx context.Context, id int64, by string, now time.Time, ev entitle.AuditEvent) (changed bool, err error)
	Banners(ctx context.Context, user int64, now time.Time) ([]entitle.Announcement, error)
	DismissAnnouncement(ctx context.Context, id, user int64, now time.Time) error
}

// Service is the vendor's record of its channel.
type Service struct {
	Store Store
	Now   func() time.Time // time.Now when nil

	running running // the ingest API's imports this process runs (ingest.go)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Visible reports whether a sees the vendor's pages at all (the portal's
// navigation shows them on it): the decision that guards them.
func (s *Service) Visible(a entitle.Actor) bool { return policy.VendorPages(a).Allowed }

// Changeable says whether a may change the vendor's record (import, post
// announcements), and if not, why — "" when a may not even see it.
func (s *Service) Changeable(a entitle.Actor) (ok bool, why string) {
	d := policy.ChangeVendorRecord(a)
	if d.Allowed || !d.Visible || len(d.Reasons) == 0 {
		return d.Allowed, ""
	}
	return false, d.Reasons[0]
}

// errNoPage is the answer of the vendor's pages to everybody else: the
// very answer of a page that does not exist (R7).
func errNoPage(path string) error {
	return entitle.Errorf(entitle.CodeNotFound, "There is no page at %s.", path)
}

// see checks that a may see the vendor's pages; path names the page for
// the answer to anybody else.
func see(a entitle.Actor, path string) error {
	if !policy.VendorPages(a).Allowed {
		return errNoPage(path)
	}
	return nil
}

// change checks that a may change the vendor's record: not found for
// other companies, forbidden for the vendor's members who are not
// administrators.
func change(a entitle.Actor, path string) (policy.Decision, error) {
	d := policy.ChangeVendorRecord(a)
	switch {
	case !d.Visible:
		return d, errNoPage(path)
	case !d.Allowed:
		return d, d.Err("", "")
	}
	return d, nil
}

// Companies returns up to limit companies of the channel after the one
// with key after, by key, with their profiles and users counted. path
// names the page asking, for the answer to anybody but the vendor.
func (s *Service) Companies(ctx context.Context, a entitle.Actor, path, after string, limit int) ([]entitle.CompanySummary, error) {
	if err := see(a, path); err != nil {
		return nil, err
	}
	return s.Store.CompanySummaries(ctx, after, limit)
}

// MSAs returns up to limit MSAs after the one numbered after, by number.
func (s *Service) MSAs(ctx context.Context, a entitle.Actor, path, after string, limit int) ([]entitle.MSARecord, error) {
	if err := see(a, path); err != nil {
		return nil, err
	}
	return s.Store.MSAs(ctx, after, limit)
}

// CheckPage answers whether a may open the vendor's page at path.
func (s *Service) CheckPage(a entitle.Actor, path string) error { return see(a, path) }

// ImportReport is what an import did, or why it did nothing.
type ImportReport struct {
	Records  int
	Result   entitle.ImportResult
	Problems entitle.Problems // every problem, by file and line; nothing was written when there are any
}

// Import reads a file (JSONL or CSV, named name) with internal/importer and
// imports it all or nothing, exactly as `entitle import` does, audited as
// a's import; with dryRun (or any problem) it writes nothing.
func (s *Service) Import(ctx context.Context, a entitle.Actor, path string, r io.Reader, name string, dryRun bool) (ImportReport, error) {
	if _, err := change(a, path); err != nil {
		return ImportReport{}, err
	}
	return s.importFile(ctx, a, r, name, dryRun, nil)
}

// importFile is Import once a may. progress, when set, is told how many
// records the file holds once it is read, and then how many of them are
// written as they are (entitle.ImportOptions.Progress).
func (s *Service) importFile(ctx context.Context, a entitle.Actor, r io.Reader, name string, dryRun bool,
	progress func(records, done, total int)) (ImportReport, error) {
	var batch entitle.Batch
	var problems entitle.Problems
	var err error
	if rs, ok := r.(io.ReadSeeker); ok { // an uploaded file: its orders are read again as they are written
		batch, problems, err = importer.StreamSeeker(rs, name)
	} else {
		batch, problems, err = importer.Read(r, name)
	}
	if err != nil {
		return ImportReport{}, err
	}
	opt := entitle.ImportOptions{Actor: a.Email, Company: a.Company, DryRun: dryRun || len(problems) > 0}
	if progress != nil {
		n := batch.Len()
		progress(n, 0, n)
		opt.Progress = func(done, total int) { progress(n, done, total) }
	}
	res, more, err := s.Store.Import(ctx, batch, opt, s.now())
	if err != nil {
		return ImportReport{}, err
	}
	problems = append(problems, more...)
	slices.SortStableFunc(problems, func(a, b entitle.Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return ImportReport{Records: batch.Len(), Result: res, Problems: problems}, nil
}

// Bounds of an announcement's fields.
const (
	MaxTitle = 120
	MaxText  = 1000
	MaxLink  = 500
	// MaxLinkText bounds the words a link shows.
	MaxLinkText = 80
)

// Draft is an announcement as the vendor writes it: dates as YYYY-MM-DD.
type Draft struct {
	Title, Text, Link, LinkText, Starts, Ends string
}

// Announcements returns up to limit announcements before the one with ID
// before (0: from the newest), newest first.
func (s *Service) Announcements(ctx context.Context, a entitle.Actor, path string, before int64, limit int) ([]entitle.Announcement, error) {
	if err := see(a, path); err != nil {
		return nil, err
	}
	return s.Store.Announcements(ctx, before, limit)
}

// Post posts a time-boxed notice to every user: it shows from its first day
// (00:00 UTC) through its last. Every problem of the draft is returned, by
// field (title, text, link, starts, ends), in words for the form.
func (s *Service) Post(ctx context.Context, a entitle.Actor, path string, f Draft) (entitle.Announcement, error) {
	dec, err := change(a, path)
	if err != nil {
		return entitle.Announcement{}, err
	}
	now := s.now()
	today := entitle.DateOf(now)
	var ps entitle.Problems
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		ps.Add("title", "Please enter a title.")
	case n > MaxTitle:
		ps.Add("title", "Keep the title to %d characters or fewer (it has %d).", MaxTitle, n)
	}
	switch n := utf8.RuneCountInString(f.Text); {
	case n == 0:
		ps.Add("text", "Please enter the text of the announcement.")
	case n > MaxText:
		ps.Add("text", "Keep the text to %d characters or fewer (it has %d).", MaxText, n)
	}
	if f.Link != "" {
		u, err := url.Parse(f.Link)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(f.Link) > MaxLink {
			ps.Add("link", "Enter a web address starting with https:// (or leave the link empty).")
		}
	}
	switch n := utf8.RuneCountInString(f.LinkText); {
	case n > 0 && f.Link == "":
		ps.Add("link_text", "A link text needs a link: enter its address, or leave both empty.")
	case n > MaxLinkText:
		ps.Add("link_text", "Keep the link text to %d characters or fewer (it has %d).", MaxLinkText, n)
	case strings.ContainsAny(f.LinkText, "\r\n"):
		ps.Add("link_text", "Keep the link text to one line.")
	}
	first, last := today, entitle.Date{}
	datesOK := true
	if f.Starts != "" {
		if first, err = entitle.ParseDate(f.Starts); err != nil {
			ps.Add("starts", "Enter the first day as a date, YYYY-MM-DD.")
			datesOK = false
		}
	}
	switch {
	case f.Ends == "":
		ps.Add("ends", "Enter the last day the announcement shows.")
		datesOK = false
	default:
		if last, err = entitle.ParseDate(f.Ends); err != nil {
			ps.Add("ends", "Enter the last day as a date, YYYY-MM-DD.")
			datesOK = false
		}
	}
	if datesOK {
		switch {
		case last.Before(first):
			ps.Add("ends", "The last day cannot be before the first day.")
		case last.Before(today):
			ps.Add("ends", "The last day has passed: the announcement would never show.")
		}
	}
	if err := ps.Err(); err != nil {
		return entitle.Announcement{}, err
	}
	ann := entitle.Announcement{Title: f.Title, Text: f.Text, Link: f.Link, LinkText: f.LinkText, Starts: first.Time(), Ends: last.AddDays(1).Time(),
		CreatedAt: now, CreatedBy: a.Email}
	ev := entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "announcement.post", Basis: dec.Basis, Outcome: "ok",
		Detail: fmt.Sprintf("%q from %s to %s", f.Title, first, last)}
	return s.Store.PostAnnouncement(ctx, ann, ev)
}

// End ends announcement id now, before its last day: it no longer shows
// to anyone. changed is false when it was over already.
func (s *Service) End(ctx context.Context, a entitle.Actor, path string, id int64) (changed bool, err error) {
	dec, err := change(a, path)
	if err != nil {
		return false, err
	}
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "announcement.end", Object: strconv.FormatInt(id, 10),
		Basis: dec.Basis, Outcome: "ok"}
	changed, err = s.Store.EndAnnouncement(ctx, id, a.Email, now, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return false, entitle.Errorf(entitle.CodeNotFound, "There is no announcement %d.", id)
	}
	return changed, err
}

// Banners returns the announcements in force that user a has not
// dismissed, for the top of every page.
func (s *Service) Banners(ctx context.Context, a entitle.Actor) ([]entitle.Announcement, error) {
	if !a.User() {
		return nil, nil
	}
	return s.Store.Banners(ctx, a.UserID, s.now())
}

// SignInBanners returns the announcements in force, for the sign-in page:
// a vendor's notice to every user of the portal reaches them before they
// sign in too (it names no company and no entitlement).
func (s *Service) SignInBanners(ctx context.Context) ([]entitle.Announcement, error) {
	return s.Store.Banners(ctx, 0, s.now())
}

// Dismiss hides announcement id from user a for good.
func (s *Service) Dismiss(ctx context.Context, a entitle.Actor, id int64) error {
	err := s.Store.DismissAnnouncement(ctx, id, a.UserID, s.now())
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeNotFound, "There is no announcement %d.", id)
	}
	return err
}
