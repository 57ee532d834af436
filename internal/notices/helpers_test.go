package notices_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// day0 is the first "today" of every test: noon UTC, so that the date is
// the same in any zone a reader thinks in.
var day0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// The channel of the tests: names are distinct enough that a leak is found
// by searching the mail for them.
var companies = []entitle.Company{
	{Key: "MAKER", Name: "Maker Software", Kind: entitle.KindVendor},
	{Key: "NORTH", Name: "North Distribution", Kind: entitle.KindDistributor},
	{Key: "SHOP", Name: "Corner Reseller", Kind: entitle.KindReseller},
	{Key: "PLANT", Name: "Plant Operator", Kind: entitle.KindCustomer},
	{Key: "FITTER", Name: "Fitter Services", Kind: entitle.KindMSP},
	{Key: "SOLO", Name: "Solo Works", Kind: entitle.KindCustomer},
	{Key: "LONELY", Name: "Lonely Reseller", Kind: entitle.KindReseller},
}

// plantSite is PLANT's installation site: owner & location (R4).
var plantSite = &entitle.Address{Name: "Plant 3", Address: "Harbour Road 5, Rotterdam", Country: "NL"}

// users: every company's active administrators receive its digests; a
// member and a disabled administrator do not. LONELY has nobody.
var users = []entitle.User{
	{Email: "ann@plant.example", Name: "Ann", Company: "PLANT", Admin: true},
	{Email: "bo@plant.example", Name: "Bo", Company: "PLANT", Admin: true},
	{Email: "cy@plant.example", Name: "Cy", Company: "PLANT"},
	{Email: "dee@plant.example", Name: "Dee", Company: "PLANT", Admin: true, Status: entitle.UserDisabled},
	{Email: "sam@shop.example", Name: "Sam", Company: "SHOP", Admin: true},
	{Email: "nia@north.example", Name: "Nia", Company: "NORTH", Admin: true},
	{Email: "sol@solo.example", Name: "Sol", Company: "SOLO", Admin: true},
	{Email: "fay@fitter.example", Name: "Fay", Company: "FITTER", Admin: true},
	{Email: "max@maker.example", Name: "Max", Company: "MAKER", Admin: true},
}

// companyOf is the company of each address.
func companyOf(email string) string {
	for _, u := range users {
		if u.Email == email {
			return u.Company
		}
	}
	return ""
}

// sub is one order line: a subscription ending endIn days after day0.
type sub struct {
	id      string
	endIn   int
	startIn int // days after day0; 0 means long before
}

// order makes an order placed by pe for owner, through resellers, with lines.
func order(po, pe string, resellers []string, owner string, lines ...sub) entitle.Order {
	today := entitle.DateOf(day0)
	o := entitle.Order{PONumber: po, MSA: "M-" + pe, OrderDate: today.AddDays(-400), Currency: "EUR",
		PurchasingEntity: pe, Resellers: resellers, Owner: owner}
	if owner == "PLANT" {
		o.InstallationSite = plantSite
	}
	for i, l := range lines {
		start := today.AddDays(-365)
		if l.startIn != 0 {
			start = today.AddDays(l.startIn)
		}
		o.Lines = append(o.Lines, entitle.Line{Line: i + 1, SKU: "SKU-" + l.id, Quantity: int64(i + 1), UnitPrice: "10.00",
			SubscriptionID: l.id, StartDate: start, EndDate: today.AddDays(l.endIn)})
	}
	return o
}

// newWorld is a store with the channel, its users and orders.
func newWorld(t *testing.T, orders ...entitle.Order) *store.DB {
	t.Helper()
	db := storetest.New(t)
	load(t, db, orders...)
	return db
}

// load imports the channel, its users and orders into db.
func load(t *testing.T, db *store.DB, orders ...entitle.Order) {
	t.Helper()
	ctx := context.Background()
	var b entitle.Batch
	for _, c := range companies {
		b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: c})
		b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{Record: entitle.MSA{Number: "M-" + c.Key, Company: c.Key,
			Start: entitle.MustDate("2020-01-01"), End: entitle.MustDate("2035-12-31")}})
	}
	for _, o := range orders {
		b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{Record: o})
	}
	if _, problems, err := db.Import(ctx, b, entitle.ImportOptions{}, day0); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	for _, u := range users {
		if _, err := db.AddUser(ctx, u, "", day0); err != nil {
			t.Fatal(err)
		}
	}
}

// sentMail is one delivered digest, decoded.
type sentMail struct {
	To      []string
	Subject string
	Stage   string // the X-Entitle-Notice header
	Text    string
	HTML    string
	Raw     string
}

// company is the company the digest went to (all its recipients are of one).
func (m sentMail) company() string { return companyOf(m.To[0]) }

var rowRE = regexp.MustCompile(`(?m)^(S-[A-Z0-9-]+)  `)

// subs are the subscriptions the digest's tables list.
func (m sentMail) subs() []string {
	var out []string
	for _, g := range rowRE.FindAllStringSubmatch(m.Text, -1) {
		out = append(out, g[1])
	}
	return out
}

// parseMail decodes an RFC 5322 message as mail.Encode writes it.
func parseMail(t testing.TB, raw string) sentMail {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("%v:\n%s", err, raw)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	m := sentMail{Subject: subject, Stage: msg.Header.Get("X-Entitle-Notice"), Raw: raw}
	for _, a := range strings.Split(msg.Header.Get("To"), ",") {
		m.To = append(m.To, strings.TrimSpace(a))
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			m.HTML = string(body)
		} else {
			m.Text = string(body)
		}
	}
	return m
}

// readOutbox returns the digests in an outbox directory, oldest first.
func readOutbox(t testing.TB, dir string) []sentMail {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	var out []sentMail
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseMail(t, string(data)))
	}
	return out
}

// notice is one (entitlement, stage, recipient company) notice.
type notice struct {
	sub, stage, company string
}

// noticesIn lists the notices the digests carried, failing the test on any
// sent twice.
func noticesIn(t testing.TB, mails []sentMail) map[notice]bool {
	t.Helper()
	out := map[notice]bool{}
	for _, m := range mails {
		for _, s := range m.subs() {
			n := notice{s, m.Stage, m.company()}
			if out[n] {
				t.Errorf("notice %v sent twice", n)
			}
			out[n] = true
		}
	}
	return out
}

// sentMails parses the messages the test's SMTP server was sent.
func sentMails(t testing.TB, ms *mailtest.Server) []sentMail {
	t.Helper()
	var out []sentMail
	for _, r := range ms.Messages() {
		out = append(out, parseMail(t, r))
	}
	return out
}

// closedAddr is an address where nothing listens: every delivery fails for
// a passing reason (connection refused).
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
