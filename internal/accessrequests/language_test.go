package accessrequests_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accessrequests"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// day0 is "today" in these tests: noon UTC.
var day0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// The readers: the asking MSP's users read German (fay) and English (gil);
// the owner's two administrators English (ann, who left it to the
// browser) and German (bo).
var readers = []storetest.Reader{
	{User: entitle.User{Email: "fay@fitter.example", Name: "Fay", Company: "FITTER"}, Lang: "de"},
	{User: entitle.User{Email: "gil@fitter.example", Name: "Gil", Company: "FITTER"}, Lang: ""},
	{User: entitle.User{Email: "ann@plant.example", Name: "Ann", Company: "PLANT", Admin: true}, Lang: ""},
	{User: entitle.User{Email: "bo@plant.example", Name: "Bo", Company: "PLANT", Admin: true}, Lang: "de"},
}

// world is a store with a vendor, a distributor, a customer (PLANT) owning
// S-100 and an MSP (FITTER) with no role on it, and the readers; it returns
// the store and the users by address.
func world(t *testing.T) (*store.DB, map[string]entitle.User) {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	var b entitle.Batch
	for _, c := range []entitle.Company{
		{Key: "MAKER", Name: "Maker Software", Kind: entitle.KindVendor},
		{Key: "NORTH", Name: "North Distribution", Kind: entitle.KindDistributor},
		{Key: "PLANT", Name: "Plant Operator", Kind: entitle.KindCustomer},
		{Key: "FITTER", Name: "Fitter Services", Kind: entitle.KindMSP},
	} {
		b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: c})
	}
	b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{Record: entitle.MSA{Number: "M-1", Company: "NORTH",
		Start: entitle.MustDate("2020-01-01"), End: entitle.MustDate("2035-12-31")}})
	today := entitle.DateOf(day0)
	b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{Record: entitle.Order{PONumber: "N-77", MSA: "M-1",
		OrderDate: today.AddDays(-400), Currency: "EUR", PurchasingEntity: "NORTH", Owner: "PLANT",
		Lines: []entitle.Line{{Line: 1, SKU: "SCADA-STD", Quantity: 4, UnitPrice: "250.00", SubscriptionID: "S-100",
			StartDate: today.AddDays(-365), EndDate: today.AddDays(200)}}}})
	if _, problems, err := db.Import(ctx, b, entitle.ImportOptions{}, day0); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	return db, storetest.AddReaders(t, db, day0, readers)
}

// service is the access requests' service on db, mailing into ob.
func service(db *store.DB, ob *mailtest.Recorder) *accessrequests.Service {
	now := func() time.Time { return day0 }
	return &accessrequests.Service{Store: db, Gate: disclose.New(db, now), Mailer: ob, Now: now, BaseURL: "https://portal.example/"}
}

func actor(u entitle.User) entitle.Actor {
	return entitle.Actor{Company: u.Company, Admin: u.Admin, UserID: u.ID, Email: u.Email, Name: u.Name}
}

// secretOf is the secret of a request's link.
func secretOf(t *testing.T, link string) string {
	t.Helper()
	_, secret, ok := strings.Cut(link, "?token=")
	if !ok || secret == "" {
		t.Fatalf("a link without a secret: %q", link)
	}
	return secret
}

// TestAccessRequestLanguages: each mail of an access request is in its
// reader's language. The link goes to the user who asked in theirs (fay:
// German; gil, who chose none: English); an answer reaches that user in
// theirs, and the answering company's administrators once per language
// (ann English, bo German).
func TestAccessRequestLanguages(t *testing.T) {
	ctx := context.Background()
	db, users := world(t)
	ob := &mailtest.Recorder{}
	s := service(db, ob)
	fay, gil := actor(users["fay@fitter.example"]), actor(users["gil@fitter.example"])
	ann, bo := actor(users["ann@plant.example"]), actor(users["bo@plant.example"])

	// The links.
	asked := map[string]accessrequests.Created{}
	for _, c := range []struct {
		who           entitle.Actor
		subject, says string
	}{
		{fay, "Ihre Zugriffsanfrage: der Link zum Versenden", "Sie haben für 30 Tage Zugriff auf die Berechtigungen einer anderen Firma angefragt"},
		{gil, "Your access request: the link to send", "You asked for access to another company's entitlements for 30 days"},
	} {
		cr, err := s.Create(ctx, c.who, accessrequests.Ask{Message: "Fitter Services runs Plant 3's control room.", Days: 30})
		if err != nil {
			t.Fatal(err)
		}
		asked[c.who.Email] = cr
		sent := ob.Take()
		if len(sent) != 1 {
			t.Fatalf("%s: %d mails, want the link only: %+v", c.who.Email, len(sent), sent)
		}
		m := mailtest.To(t, sent, c.who.Email)
		if m.Subject != c.subject || !strings.Contains(m.Text, c.says) || !strings.Contains(m.Text, cr.Link) ||
			!strings.Contains(m.Text, "https://portal.example/access-requests") {
			t.Errorf("the link's mail to %s: %q\n%s", c.who.Email, m.Subject, m.Text)
		}
	}

	// Ann approves fay's request: fay is told in German, PLANT's
	// administrators once in English and once in German.
	if _, err := s.Approve(ctx, ann, secretOf(t, asked[fay.Email].Link), accessrequests.Approval{}); err != nil {
		t.Fatal(err)
	}
	sent := ob.Take()
	if len(sent) != 3 {
		t.Fatalf("the approval: %d mails, want 3: %+v", len(sent), sent)
	}
	m := mailtest.To(t, sent, fay.Email)
	if m.Subject != "Ihre Zugriffsanfrage wurde genehmigt" ||
		!strings.Contains(m.Text, "Plant Operator hat Ihre Zugriffsanfrage") || !strings.Contains(m.Text, "alle Berechtigungen") ||
		!strings.Contains(m.Text, "Sie finden ihn unter Delegierungen, „An Ihre Firma delegiert“: https://portal.example/delegations") {
		t.Errorf("the approval to the requester: %q\n%s", m.Subject, m.Text)
	}
	en, de := mailtest.To(t, sent, ann.Email), mailtest.To(t, sent, bo.Email)
	if en.Subject != "You approved an access request" ||
		!strings.Contains(en.Text, "ann@plant.example approved the access request of Fitter Services") ||
		!strings.Contains(en.Text, "all entitlements") || !strings.Contains(en.Text, "Revoke it at any time: https://portal.example/delegations") {
		t.Errorf("the English approval to the owner: %q\n%s", en.Subject, en.Text)
	}
	if de.Subject != "Sie haben eine Zugriffsanfrage genehmigt" ||
		!strings.Contains(de.Text, "ann@plant.example hat die Zugriffsanfrage von Fitter Services genehmigt") ||
		!strings.Contains(de.Text, "alle Berechtigungen") || !strings.Contains(de.Text, "Sie können sie jederzeit widerrufen") {
		t.Errorf("the German approval to the owner: %q\n%s", de.Subject, de.Text)
	}

	// Bo declines gil's request: gil is told in English, with the reason.
	reason := "Please ask through our IT department."
	if _, err := s.Decline(ctx, bo, secretOf(t, asked[gil.Email].Link), reason); err != nil {
		t.Fatal(err)
	}
	sent = ob.Take()
	if len(sent) != 3 {
		t.Fatalf("the decline: %d mails, want 3: %+v", len(sent), sent)
	}
	m = mailtest.To(t, sent, gil.Email)
	if m.Subject != "Your access request was declined" || !strings.Contains(m.Text, "Plant Operator declined your access request") ||
		!strings.Contains(m.Text, "Their reason: "+reason) {
		t.Errorf("the decline to the requester: %q\n%s", m.Subject, m.Text)
	}
	en, de = mailtest.To(t, sent, ann.Email), mailtest.To(t, sent, bo.Email)
	if en.Subject != "You declined an access request" || !strings.Contains(en.Text, "bo@plant.example declined the access request of Fitter Services.") ||
		!strings.Contains(en.Text, "The reason given: "+reason) {
		t.Errorf("the English decline to the owner: %q\n%s", en.Subject, en.Text)
	}
	if de.Subject != "Sie haben eine Zugriffsanfrage abgelehnt" ||
		!strings.Contains(de.Text, "bo@plant.example hat die Zugriffsanfrage von Fitter Services abgelehnt.") ||
		!strings.Contains(de.Text, "Der angegebene Grund: "+reason) {
		t.Errorf("the German decline to the owner: %q\n%s", de.Subject, de.Text)
	}
}

// TestAccessRequestWithdrawnLanguages: a request withdrawn after the owner
// opened its link tells the user who asked in their language, and the
// owner's administrators once per language.
func TestAccessRequestWithdrawnLanguages(t *testing.T) {
	ctx := context.Background()
	db, users := world(t)
	ob := &mailtest.Recorder{}
	s := service(db, ob)
	fay, ann := actor(users["fay@fitter.example"]), actor(users["ann@plant.example"])
	cr, err := s.Create(ctx, fay, accessrequests.Ask{Message: "Fitter Services runs Plant 3's control room.", Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, ann, secretOf(t, cr.Link), false); err != nil {
		t.Fatal(err)
	}
	ob.Take()
	if _, err := s.Withdraw(ctx, fay, cr.ID); err != nil {
		t.Fatal(err)
	}
	sent := ob.Take()
	if len(sent) != 3 {
		t.Fatalf("%d mails, want 3: %+v", len(sent), sent)
	}
	if m := mailtest.To(t, sent, fay.Email); m.Subject != "Ihre Zugriffsanfrage wurde zurückgezogen" ||
		!strings.Contains(m.Text, "fay@fitter.example hat die Zugriffsanfrage") {
		t.Errorf("to the requester: %q\n%s", m.Subject, m.Text)
	}
	if m := mailtest.To(t, sent, "ann@plant.example"); m.Subject != "An access request was withdrawn" ||
		!strings.Contains(m.Text, "Fitter Services withdrew the access request it sent you") {
		t.Errorf("in English to the owner: %q\n%s", m.Subject, m.Text)
	}
	if m := mailtest.To(t, sent, "bo@plant.example"); m.Subject != "Eine Zugriffsanfrage wurde zurückgezogen" ||
		!strings.Contains(m.Text, "Fitter Services hat die an Sie gesendete Zugriffsanfrage zurückgezogen") {
		t.Errorf("in German to the owner: %q\n%s", m.Subject, m.Text)
	}
}
