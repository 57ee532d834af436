package notices_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/clocktest"
)

// TestDigestLanguages: a company's recipients who read different languages
// get one digest each, in their own: Bo chose German, Ann left it to her
// browser (English in a mail). The English digest keeps its words.
func TestDigestLanguages(t *testing.T) {
	ctx := context.Background()
	db := newWorld(t,
		order("N-77", "NORTH", []string{"SHOP"}, "PLANT", sub{id: "S-100", endIn: 20}, sub{id: "S-101", endIn: 25}),
	)
	bo, err := db.UserByEmail(ctx, "bo@plant.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserLanguage(ctx, bo.ID, "de", entitle.AuditEvent{At: day0, Actor: bo.Email, Company: "PLANT",
		Action: "user.language", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(day0)
	ob, dir := outbox(t, clk)
	rep := run(t, service(db, clk, ob))
	if rep.Digests != 2 { // PLANT's (in two languages) and SHOP's
		t.Errorf("report %+v", rep)
	}
	var en, de []sentMail
	for _, m := range readOutbox(t, dir) {
		if m.company() != "PLANT" {
			continue
		}
		if strings.Contains(m.Subject, "Berechtigungen") {
			de = append(de, m)
		} else {
			en = append(en, m)
		}
	}
	if len(en) != 1 || len(de) != 1 {
		t.Fatalf("PLANT's digests: %d English, %d German, want one each", len(en), len(de))
	}
	if !slices.Equal(en[0].To, []string{"ann@plant.example"}) || !slices.Equal(de[0].To, []string{"bo@plant.example"}) {
		t.Errorf("English to %v, German to %v", en[0].To, de[0].To)
	}
	if en[0].Subject != "2 entitlements expire within 30 days" {
		t.Errorf("English subject %q", en[0].Subject)
	}
	for _, want := range []string{"Hello,", "2 entitlements of Plant Operator expire within 30 days:",
		"Your partner of record, Corner Reseller, can renew them.",
		"You receive this reminder as an administrator of Plant Operator on the Maker Software entitlement portal."} {
		if !strings.Contains(en[0].Text, want) || !strings.Contains(en[0].HTML, want) {
			t.Errorf("the English digest does not say %q:\n%s", want, en[0].Text)
		}
	}
	if de[0].Subject != "2 Berechtigungen laufen innerhalb von 30 Tagen ab" {
		t.Errorf("German subject %q", de[0].Subject)
	}
	for _, want := range []string{"Guten Tag,", "2 Berechtigungen von Plant Operator laufen innerhalb von 30 Tagen ab:",
		"Ihr betreuender Partner, Corner Reseller, kann sie verlängern.", "Verbleibende Tage", "2026-06-21",
		"Sie erhalten diese Erinnerung als Administrator von Plant Operator im Berechtigungsportal von Maker Software."} {
		if !strings.Contains(de[0].Text, want) || !strings.Contains(de[0].HTML, want) {
			t.Errorf("the German digest does not say %q:\n%s\n%s", want, de[0].Text, de[0].HTML)
		}
	}
	if !slices.Equal(en[0].subs(), de[0].subs()) || !slices.Equal(de[0].subs(), []string{"S-100", "S-101"}) {
		t.Errorf("English lists %v, German %v", en[0].subs(), de[0].subs())
	}
}
