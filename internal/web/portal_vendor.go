package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/audit"
	"github.com/entitle-portal/entitle/internal/channel"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The vendor's pages (companies, MSAs, import with its validation report,
// announcements), the audit page, and the announcement banners every
// signed-in user sees until they dismiss them. Who gets what is decided by
// the services through internal/policy: internal/audit for the audit page
// (as the API), internal/channel for the vendor's pages, which do not exist
// for any other company (R7: the same "no page" answer as an unknown path).

// vendorPage is the list page size of the vendor's pages.
const vendorPage = 100

// ---- Audit ----

type auditRow struct {
	entitle.AuditEvent
	ISO string // its instant, ISO 8601 (UTC, to the second)
}

type auditView struct {
	Rows    []auditRow
	Order   string // "newest" or "oldest"
	All     bool   // the caller reads every company's events (the vendor)
	Company string // the vendor's company filter
	// The filters of issue 14: user (actor), action, object, date range.
	User, Action, Object, From, To string
	Problem                        string // a filter that could not be read
	Next                           string // the next page's URL
	First                          string // the first page's URL
	Paged                          bool   // not the first page
}

// GET /audit: company administrators page through their own company's
// events, the vendor's administrators through every company's (or one's,
// with ?company=KEY), newest or oldest first; nobody else reads any
// (policy.ReadAudit, exactly as GET /api/v1/audit).
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Audit.Readable(c); err != nil {
		return err
	}
	q := newQuery(r, "order", "company", "cursor", "user", "action", "object", "from", "to")
	f := auditFilter(q)
	data := auditView{Order: cmp.Or(q.str("order"), "newest"), Company: strings.TrimSpace(q.str("company")),
		User: q.str("user"), Action: q.str("action"), Object: q.str("object"), From: q.str("from"), To: q.str("to")}
	p := i18n.For(v.Lang)
	v.Title, v.Data = p.T("audit.title"), &data
	switch {
	case q.err != nil:
		data.Problem = q.err.Error()
	case data.Order != "newest" && data.Order != "oldest":
		data.Problem = p.T("audit.bad_order", "Order", strconv.Quote(clipParam(data.Order)))
	case data.Company != "" && !entitle.ValidKey(data.Company):
		data.Problem = p.T("audit.bad_company", "Company", strconv.Quote(clipParam(data.Company)))
	}
	if data.Problem != "" {
		s.show(w, http.StatusUnprocessableEntity, "audit", v)
		return nil
	}
	bound := bind("audit-page", c.Company, data.Company, data.Order, auditBinding(f))
	pos, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	var at int64
	if pos != "" {
		if at, err = strconv.ParseInt(pos, 10, 64); err != nil {
			return errInvalidCursor
		}
	}
	limit := defaultLimit
	events, company, err := s.cfg.Audit.Events(r.Context(), c, audit.Query{Company: data.Company, Newest: data.Order == "newest", At: at, Limit: limit + 1, Filter: f})
	var ps entitle.Problems
	if errors.As(err, &ps) {
		data.Problem = ps[0].Message
		s.show(w, http.StatusUnprocessableEntity, "audit", v)
		return nil
	}
	if err != nil {
		return err
	}
	data.All = company == ""
	filters := url.Values{}
	if data.Order != "newest" {
		filters.Set("order", data.Order)
	}
	for k, val := range map[string]string{"company": data.Company, "user": data.User, "action": data.Action, "object": data.Object, "from": data.From, "to": data.To} {
		if val != "" {
			filters.Set(k, val)
		}
	}
	data.First, data.Paged = withQuery("/audit", filters), pos != ""
	events, last := cutPage(events, limit, func(e entitle.AuditEvent) string { return strconv.FormatInt(e.ID, 10) })
	if last != "" {
		filters.Set("cursor", s.sealCursor(last, bound))
		data.Next = withQuery("/audit", filters)
	}
	for _, e := range events {
		data.Rows = append(data.Rows, auditRow{AuditEvent: e, ISO: e.At.UTC().Format("2006-01-02T15:04:05Z")})
	}
	s.show(w, http.StatusOK, "audit", v)
	return nil
}

// ---- Companies and MSAs ----

type companiesView struct {
	Rows  []entitle.CompanySummary
	Next  string // the next page's cursor (the last key shown)
	Paged bool
}

// GET /vendor/companies: every company of the channel with its profile
// and its users counted.
func (s *Server) companiesPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Channel.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	q := newQuery(r, "after")
	if q.err != nil {
		return q.err
	}
	after := q.str("after")
	rows, err := s.cfg.Channel.Companies(r.Context(), c, r.URL.Path, after, vendorPage+1)
	if err != nil {
		return err
	}
	data := companiesView{Paged: after != ""}
	rows, data.Next = cutPage(rows, vendorPage, func(c entitle.CompanySummary) string { return c.Company.Key })
	data.Rows = rows
	v.Title, v.Data = i18n.For(v.Lang).T("companies.title"), &data
	s.show(w, http.StatusOK, "companies", v)
	return nil
}

type msaRow struct {
	entitle.MSARecord
	State string // in force, ended, not yet: said in words and as a badge
	Badge string
	Ends  string // relative to today
}

type msasView struct {
	Rows  []msaRow
	Next  string
	Paged bool
}

// GET /vendor/msas: every MSA, with its counterparty and whether it is in
// force today.
func (s *Server) msasPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Channel.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	q := newQuery(r, "after")
	if q.err != nil {
		return q.err
	}
	after := q.str("after")
	rows, err := s.cfg.Channel.MSAs(r.Context(), c, r.URL.Path, after, vendorPage+1)
	if err != nil {
		return err
	}
	data := msasView{Paged: after != ""}
	rows, data.Next = cutPage(rows, vendorPage, func(m entitle.MSARecord) string { return m.Number })
	p := i18n.For(v.Lang)
	for _, m := range rows {
		row := msaRow{MSARecord: m, Ends: relDaysIn(p, m.End, v.Today)}
		switch {
		case m.InForce(v.Today):
			row.State, row.Badge = p.T("msas.in_force"), "active"
		case v.Today.Before(m.Start):
			row.State, row.Badge = p.T("msas.not_yet"), "future"
		default:
			row.State, row.Badge = p.T("msas.ended"), "expired"
		}
		data.Rows = append(data.Rows, row)
	}
	v.Title, v.Data = p.T("msas.title"), &data
	s.show(w, http.StatusOK, "msas", v)
	return nil
}

// ---- Import ----

// maxUploadMB is maxUpload in words.
const maxUploadMB = maxUpload >> 20

// maxListedProblems bounds the problems an import report lists.
const maxListedProblems = 1000

type importLine struct {
	What string
	entitle.Counts
}

type importView struct {
	CanImport bool   // the caller may import (the vendor's administrators)
	Reason    string // why not
	MaxMB     int
	DryRun    bool   // the "Validate only" box, as last sent
	FileError string // next to the file field
	// The report of the last upload, when there is one.
	Reported     bool
	File         string
	Records      int
	Problems     []entitle.Problem // by line: a CSV file's by row and column header
	More         int               // problems not listed
	Lines        []importLine
	Entitlements int // entitlements created
	// The latest uploads of the ingest API (the ERP's), newest first.
	Recent []entitle.ImportJob
}

// recentImports is how many of the ingest API's uploads the import page
// lists.
const recentImports = 10

func (s *Server) importView(ctx context.Context, c entitle.Actor, path string) (importView, error) {
	ok, why := s.cfg.Channel.Changeable(c)
	recent, err := s.cfg.Channel.ImportJobs(ctx, c, path, recentImports)
	return importView{CanImport: ok, Reason: why, MaxMB: maxUploadMB, Recent: recent}, err
}

// GET /vendor/import: the upload form.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Channel.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	data, err := s.importView(r.Context(), c, r.URL.Path)
	if err != nil {
		return err
	}
	v.Title, v.Data = i18n.For(v.Lang).T("import.title"), &data
	s.show(w, http.StatusOK, "import", v)
	return nil
}

// POST /vendor/import (multipart: the file, "Validate only"): reads the
// file with internal/importer and imports it all or nothing, exactly as
// `entitle import` does, and shows the report: every problem by file, line
// and field, or what was created, updated and left unchanged. The report is
// the answer to the POST itself (no redirect): importing the same file again
// changes nothing, so a reload repeats nothing.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Channel.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	if ok, why := s.cfg.Channel.Changeable(c); !ok {
		return errorf(codeForbidden, "%s", why)
	}
	data, err := s.importView(r.Context(), c, r.URL.Path)
	if err != nil {
		return err
	}
	data.DryRun = r.PostForm.Get("dry_run") != ""
	p := i18n.For(v.Lang)
	v.Title, v.Data = p.T("import.title"), &data
	fail := func(msg string) error {
		data.FileError = msg
		s.show(w, http.StatusUnprocessableEntity, "import", v)
		return nil
	}
	if r.MultipartForm == nil {
		return fail(p.T("import.err_not_upload"))
	}
	f, fh, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return fail(p.T("import.err_no_file"))
	}
	if err != nil {
		return err
	}
	defer f.Close()
	name := fh.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 { // some browsers send a path
		name = name[i+1:]
	}
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case name == "":
		return fail(p.T("import.err_no_file"))
	case ext != ".jsonl" && ext != ".csv":
		return fail(p.T("import.err_kind", "Name", name))
	case fh.Size == 0:
		return fail(p.T("import.err_empty", "Name", name))
	}

	rep, err := s.cfg.Channel.Import(r.Context(), c, r.URL.Path, f, name, data.DryRun)
	if err != nil {
		return err
	}
	data.Reported, data.File, data.Records = true, name, rep.Records
	status := http.StatusOK
	if len(rep.Problems) > 0 {
		status = http.StatusUnprocessableEntity
		for i, p := range rep.Problems {
			if i == maxListedProblems {
				data.More = len(rep.Problems) - i
				break
			}
			data.Problems = append(data.Problems, p)
		}
	} else {
		res := rep.Result
		data.Lines = []importLine{{p.T("import.companies"), res.Companies}, {p.T("import.msas"), res.MSAs}, {p.T("import.orders"), res.Orders}, {p.T("import.prices"), res.Prices}}
		data.Entitlements = res.Entitlements
	}
	s.show(w, status, "import", v)
	return nil
}

// ---- Announcements ----

type announcementRow struct {
	entitle.Announcement
	First, Last entitle.Date // its first and last day
	State       string       // scheduled, in force, over, ended
	Badge       string
	Over        bool
}

func announcementRowOf(p *i18n.Printer, a entitle.Announcement, now time.Time) announcementRow {
	row := announcementRow{Announcement: a, First: entitle.DateOf(a.Starts), Last: entitle.DateOf(a.Ends.Add(-time.Microsecond)), Over: a.Over(now)}
	switch {
	case !a.EndedAt.IsZero():
		row.State, row.Badge = p.T("announcements.state_ended"), "revoked"
	case row.Over:
		row.State, row.Badge = p.T("announcements.state_over"), "expired"
	case a.InForce(now):
		row.State, row.Badge = p.T("announcements.state_showing"), "active"
	default:
		row.State, row.Badge = p.T("announcements.state_scheduled"), "future"
	}
	return row
}

// announcementForm is the post form as sent, with its errors by field.
type announcementForm struct {
	Title, Text, Link, LinkText, Starts, Ends string
	Errors                                    map[string]string // field → message
}

type announcementsView struct {
	CanPost bool
	Reason  string
	Form    announcementForm
	Rows    []announcementRow
	Next    string // the next page's cursor (the last ID shown)
	Paged   bool
}

func (s *Server) showAnnouncements(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, form announcementForm, status int) error {
	q := newQuery(r, "before")
	if q.err != nil {
		return q.err
	}
	var before int64
	if b := q.str("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return errorf(codeInvalid, "before must be an announcement number, not %q", clipParam(b))
		}
		before = n
	}
	list, err := s.cfg.Channel.Announcements(r.Context(), c, r.URL.Path, before, vendorPage+1)
	if err != nil {
		return err
	}
	ok, why := s.cfg.Channel.Changeable(c)
	data := announcementsView{CanPost: ok, Reason: why, Form: form, Paged: before != 0}
	list, data.Next = cutPage(list, vendorPage, func(a entitle.Announcement) string { return strconv.FormatInt(a.ID, 10) })
	now, p := s.now(), i18n.For(v.Lang)
	for _, a := range list {
		data.Rows = append(data.Rows, announcementRowOf(p, a, now))
	}
	v.Title, v.Data = p.T("announcements.title"), &data
	s.show(w, status, "announcements", v)
	return nil
}

// GET /vendor/announcements: the post form and every announcement, newest
// first.
func (s *Server) announcementsPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Channel.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	return s.showAnnouncements(w, r, c, v, announcementForm{Starts: v.Today.String()}, http.StatusOK)
}

// POST /vendor/announcements: post a time-boxed notice to every user. It
// shows from the first day (00:00 UTC) through the last.
func (s *Server) announceForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	f := announcementForm{Title: strings.TrimSpace(r.PostForm.Get("title")), Text: strings.TrimSpace(r.PostForm.Get("text")),
		Link: strings.TrimSpace(r.PostForm.Get("link")), LinkText: strings.TrimSpace(r.PostForm.Get("link_text")),
		Starts: strings.TrimSpace(r.PostForm.Get("starts")), Ends: strings.TrimSpace(r.PostForm.Get("ends")), Errors: map[string]string{}}
	a, err := s.cfg.Channel.Post(r.Context(), c, r.URL.Path, channel.Draft{Title: f.Title, Text: f.Text, Link: f.Link, LinkText: f.LinkText,
		Starts: f.Starts, Ends: f.Ends})
	var ps entitle.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			if f.Errors[p.Field] == "" {
				f.Errors[p.Field] = p.Message
			}
		}
		if f.Starts == "" {
			f.Starts = v.Today.String()
		}
		return s.showAnnouncements(w, r, c, v, f, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	first, last := entitle.DateOf(a.Starts), entitle.DateOf(a.Ends.Add(-time.Microsecond))
	return s.done(w, r, "/vendor/announcements", i18n.For(v.Lang).T("announcements.posted", "First", first, "Last", last))
}

// announcementID reads the {id} of an announcement's path; anything else
// names no announcement.
func announcementID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(codeNotFound, "There is no announcement %s.", clipParam(r.PathValue("id")))
	}
	return id, nil
}

// POST /vendor/announcements/{id}/end: end an announcement now, before its
// last day: it no longer shows to anyone.
func (s *Server) endAnnouncementForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Channel.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	id, err := announcementID(r)
	if err != nil {
		return err
	}
	changed, err := s.cfg.Channel.End(r.Context(), c, r.URL.Path, id)
	if err != nil {
		return err
	}
	msg := i18n.For(v.Lang).T("announcements.ended")
	if !changed {
		msg = i18n.For(v.Lang).T("announcements.already_over")
	}
	return s.done(w, r, "/vendor/announcements", msg)
}

// banner is an announcement in force as the layout shows it, with a
// Dismiss button that returns to the page it was on (none on the sign-in
// page).
type banner struct {
	entitle.Announcement
	Last entitle.Date // its last day
	Back string       // where dismissing it returns; "" shows no Dismiss
}

// banners returns the announcements in force that the signed-in user has
// not dismissed, for the top of every page.
func (s *Server) banners(r *http.Request, c entitle.Actor) ([]banner, error) {
	list, err := s.cfg.Channel.Banners(r.Context(), c)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	back := "/"
	if r.Method == http.MethodGet {
		back = localPath(r.URL.RequestURI())
	}
	out := make([]banner, len(list))
	for i, a := range list {
		out[i] = banner{Announcement: a, Last: entitle.DateOf(a.Ends.Add(-time.Microsecond)), Back: back}
	}
	return out, nil
}

// POST /announcements/{id}/dismiss (any signed-in user): the banner no
// longer shows to this user; back to the page it was on.
func (s *Server) dismissAnnouncementForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := announcementID(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Channel.Dismiss(r.Context(), c, id); err != nil {
		return err
	}
	return s.done(w, r, localPath(r.PostForm.Get("back")), i18n.For(v.Lang).T("announcements.dismissed"))
}
