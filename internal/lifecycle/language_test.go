package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/lifecycle"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// day0 is "today" in these tests: noon UTC.
var day0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// The readers: each company's administrators read different languages.
var readers = []storetest.Reader{
	{User: entitle.User{Email: "ann@plant.example", Name: "Ann", Company: "PLANT", Admin: true}, Lang: ""},
	{User: entitle.User{Email: "bo@plant.example", Name: "Bo", Company: "PLANT", Admin: true}, Lang: "de"},
	{User: entitle.User{Email: "sam@shop.example", Name: "Sam", Company: "SHOP", Admin: true}, Lang: "en"},
	{User: entitle.User{Email: "sue@shop.example", Name: "Sue", Company: "SHOP", Admin: true}, Lang: "de"},
	{User: entitle.User{Email: "max@maker.example", Name: "Max", Company: "MAKER", Admin: true}, Lang: "de"},
}

// world is a store with a vendor (MAKER), a distributor (NORTH), a reseller
// (SHOP, the partner of record) and a customer (PLANT) owning S-100, and
// the readers; it returns the store and the users by address.
func world(t *testing.T) (*store.DB, map[string]entitle.User) {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	var b entitle.Batch
	for _, c := range []entitle.Company{
		{Key: "MAKER", Name: "Maker Software", Kind: entitle.KindVendor},
		{Key: "NORTH", Name: "North Distribution", Kind: entitle.KindDistributor},
		{Key: "SHOP", Name: "Corner Reseller", Kind: entitle.KindReseller},
		{Key: "PLANT", Name: "Plant Operator", Kind: entitle.KindCustomer},
	} {
		b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: c})
	}
	b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{Record: entitle.MSA{Number: "M-1", Company: "NORTH",
		Start: entitle.MustDate("2020-01-01"), End: entitle.MustDate("2035-12-31")}})
	today := entitle.DateOf(day0)
	b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{Record: entitle.Order{PONumber: "N-77", MSA: "M-1",
		OrderDate: today.AddDays(-400), Currency: "EUR", PurchasingEntity: "NORTH", Resellers: []string{"SHOP"}, Owner: "PLANT",
		Lines: []entitle.Line{{Line: 1, SKU: "SCADA-STD", Quantity: 4, UnitPrice: "250.00", SubscriptionID: "S-100",
			StartDate: today.AddDays(-365), EndDate: today.AddDays(60)}}}})
	if _, problems, err := db.Import(ctx, b, entitle.ImportOptions{}, day0); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	return db, storetest.AddReaders(t, db, day0, readers)
}

// service is the lifecycle on db, mailing into ob.
func service(db *store.DB, ob *mailtest.Recorder) *lifecycle.Service {
	now := func() time.Time { return day0 }
	return &lifecycle.Service{Store: db, Gate: disclose.New(db, now), Mailer: ob, Now: now, BaseURL: "https://portal.example"}
}

func actor(u entitle.User) entitle.Actor {
	return entitle.Actor{Company: u.Company, Vendor: u.Company == "MAKER", Admin: u.Admin, UserID: u.ID, Email: u.Email, Name: u.Name}
}

// TestRenewalRequestLanguages: a renewal request to the partner of record,
// whose two administrators read English and German, goes out as two mails,
// each in its reader's language; the partner's answer reaches the
// requester's administrators the same way (one left the language to the
// browser: English).
func TestRenewalRequestLanguages(t *testing.T) {
	ctx := context.Background()
	db, users := world(t)
	ob := &mailtest.Recorder{}
	s := service(db, ob)
	v, err := s.RequestRenewal(ctx, actor(users["ann@plant.example"]), "S-100", lifecycle.RenewalAsk{Message: "Call Ann, ext. 12."})
	if err != nil {
		t.Fatal(err)
	}
	sent := ob.Take()
	if len(sent) != 2 {
		t.Fatalf("%d mails, want one per language: %+v", len(sent), sent)
	}
	en, de := mailtest.To(t, sent, "sam@shop.example"), mailtest.To(t, sent, "sue@shop.example")
	if en.Subject != "Renewal request for subscription S-100" {
		t.Errorf("English subject %q", en.Subject)
	}
	for _, want := range []string{"A customer asks to renew this subscription:", "SKU:", "Their message:", "Call Ann, ext. 12.",
		"Open your renewal requests: https://portal.example/renewals"} {
		if !strings.Contains(en.Text, want) {
			t.Errorf("the English mail does not say %q:\n%s", want, en.Text)
		}
	}
	if de.Subject != "Verlängerungsanfrage für Abonnement S-100" {
		t.Errorf("German subject %q", de.Subject)
	}
	for _, want := range []string{"Ein Kunde bittet darum, dieses Abonnement zu verlängern:", "Artikelnummer:", "Seine Nachricht:",
		"Call Ann, ext. 12.", "Ihre Verlängerungsanfragen: https://portal.example/renewals"} {
		if !strings.Contains(de.Text, want) {
			t.Errorf("the German mail does not say %q:\n%s", want, de.Text)
		}
	}
	if strings.Contains(de.Text, "A customer asks") || strings.Contains(en.Text, "Ein Kunde") {
		t.Errorf("a mail mixes the languages:\n%s\n%s", en.Text, de.Text)
	}

	note := "EUR 900, valid for 30 days."
	if _, err := s.UpdateRenewalRequest(ctx, actor(users["sam@shop.example"]), v.ID, entitle.RenewalQuoted, &note); err != nil {
		t.Fatal(err)
	}
	sent = ob.Take()
	if len(sent) != 2 {
		t.Fatalf("the answer: %d mails, want one per language: %+v", len(sent), sent)
	}
	en, de = mailtest.To(t, sent, "ann@plant.example"), mailtest.To(t, sent, "bo@plant.example")
	if en.Subject != "Your renewal request for S-100: quoted" ||
		!strings.Contains(en.Text, "Your request to renew subscription S-100 is now quoted.") || !strings.Contains(en.Text, note) {
		t.Errorf("the English answer: %q\n%s", en.Subject, en.Text)
	}
	if de.Subject != "Ihre Verlängerungsanfrage für S-100: Angebot gesendet" ||
		!strings.Contains(de.Text, "Ihre Anfrage, das Abonnement S-100 zu verlängern, hat jetzt den Status „Angebot gesendet“.") ||
		!strings.Contains(de.Text, note) {
		t.Errorf("the German answer: %q\n%s", de.Subject, de.Text)
	}
}

// TestSalesDeskLanguage: a direct renewal request goes to the sales desk in
// SalesDeskLanguage — English when none is set (an address has no user to
// choose one) — and, without a sales desk, to the vendor's administrators
// in their own language.
func TestSalesDeskLanguage(t *testing.T) {
	for _, c := range []struct {
		name      string
		desk      string
		lang      i18n.Lang
		to        string
		subject   string
		says, not string
	}{
		{"default English", "sales@maker.example", "", "sales@maker.example", "Renewal request for subscription S-100",
			"A customer asks to renew this subscription:", "Ein Kunde"},
		{"English", "sales@maker.example", i18n.English, "sales@maker.example", "Renewal request for subscription S-100",
			"A customer asks to renew this subscription:", "Ein Kunde"},
		{"German", "sales@maker.example", i18n.German, "sales@maker.example", "Verlängerungsanfrage für Abonnement S-100",
			"Ein Kunde bittet darum, dieses Abonnement zu verlängern:", "A customer asks"},
		{"no sales desk: the vendor's administrator's choice", "", i18n.English, "max@maker.example", "Verlängerungsanfrage für Abonnement S-100",
			"Ein Kunde bittet darum, dieses Abonnement zu verlängern:", "A customer asks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, users := world(t)
			ob := &mailtest.Recorder{}
			s := service(db, ob)
			s.SalesDesk, s.SalesDeskLanguage = c.desk, c.lang
			// The requester reads German: that decides nothing for the sales desk.
			if _, err := s.RequestRenewal(ctx, actor(users["bo@plant.example"]), "S-100", lifecycle.RenewalAsk{Route: entitle.RouteDirect}); err != nil {
				t.Fatal(err)
			}
			sent := ob.Take()
			if len(sent) != 1 {
				t.Fatalf("%d mails, want 1: %+v", len(sent), sent)
			}
			m := mailtest.To(t, sent, c.to)
			if m.Subject != c.subject || !strings.Contains(m.Text, c.says) || strings.Contains(m.Text, c.not) {
				t.Errorf("the mail to %s: %q\n%s", c.to, m.Subject, m.Text)
			}
		})
	}
}
