package entitle_test

import (
	"context"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
)

func TestPriceValidate(t *testing.T) {
	ok := entitle.Price{SKU: "EBO-ENT-1Y", Currency: "EUR", PartnerPrice: "99.50"}
	for _, p := range []entitle.Price{ok, {SKU: "a.b_c-9", Currency: "JPY", PartnerPrice: "0"}, {SKU: strings.Repeat("S", 64), Currency: "USD", PartnerPrice: "999999999999999999.999999"}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for name, tc := range map[string]struct {
		mut          func(*entitle.Price)
		field, inMsg string
	}{
		"sku missing":        {func(p *entitle.Price) { p.SKU = "" }, "sku", "required"},
		"sku characters":     {func(p *entitle.Price) { p.SKU = "EBO/ENT" }, "sku", `"EBO/ENT" may contain only A-Z a-z 0-9 . _ -`},
		"sku too long":       {func(p *entitle.Price) { p.SKU = strings.Repeat("S", 65) }, "sku", "too long (65 characters, at most 64)"},
		"currency missing":   {func(p *entitle.Price) { p.Currency = "" }, "currency", "required"},
		"currency lower":     {func(p *entitle.Price) { p.Currency = "eur" }, "currency", `"eur" is not a three-letter currency code such as EUR`},
		"currency long":      {func(p *entitle.Price) { p.Currency = "EURO" }, "currency", "not a three-letter currency code"},
		"currency digits":    {func(p *entitle.Price) { p.Currency = "978" }, "currency", "not a three-letter currency code"},
		"price missing":      {func(p *entitle.Price) { p.PartnerPrice = "" }, "partner_price", `required (a decimal string such as "120.00")`},
		"price negative":     {func(p *entitle.Price) { p.PartnerPrice = "-1.00" }, "partner_price", `"-1.00" is not a non-negative decimal`},
		"price exponent":     {func(p *entitle.Price) { p.PartnerPrice = "1e3" }, "partner_price", "not a non-negative decimal"},
		"price comma":        {func(p *entitle.Price) { p.PartnerPrice = "99,50" }, "partner_price", "not a non-negative decimal"},
		"price too precise":  {func(p *entitle.Price) { p.PartnerPrice = "0.1234567" }, "partner_price", "not a non-negative decimal"},
		"price leading zero": {func(p *entitle.Price) { p.PartnerPrice = "099" }, "partner_price", "not a non-negative decimal"},
	} {
		p := ok
		tc.mut(&p)
		err := p.Validate()
		ps, _ := err.(entitle.Problems)
		if len(ps) != 1 || ps[0].Field != tc.field || !strings.Contains(ps[0].Message, tc.inMsg) {
			t.Errorf("%s: %v, want one problem with %s: …%s…", name, err, tc.field, tc.inMsg)
		}
	}
	// Every problem of a record at once.
	if got := fields(entitle.Price{Currency: "€", PartnerPrice: "free"}.Validate()); strings.Join(got, " ") != "sku currency partner_price" {
		t.Errorf("fields %v, want sku, currency and partner_price", got)
	}
}

func TestBatchValidatePrices(t *testing.T) {
	price := func(file string, line int, sku, currency, amount string) entitle.Sourced[entitle.Price] {
		return entitle.Sourced[entitle.Price]{File: file, Line: line, Record: entitle.Price{SKU: sku, Currency: currency, PartnerPrice: entitle.Decimal(amount)}}
	}
	for name, tc := range map[string]struct {
		prices []entitle.Sourced[entitle.Price]
		want   []string // each problem as printed
	}{
		"one SKU in several currencies": {[]entitle.Sourced[entitle.Price]{
			price("p.jsonl", 1, "SKU-1", "EUR", "10.00"), price("p.jsonl", 2, "SKU-1", "USD", "11.00"), price("p.jsonl", 3, "SKU-2", "EUR", "10.00"),
		}, nil},
		"the same price twice": {[]entitle.Sourced[entitle.Price]{
			price("p.jsonl", 1, "SKU-1", "EUR", "10.00"), price("p.jsonl", 2, "SKU-1", "EUR", "10.00"),
		}, nil},
		"two prices of one SKU and currency": {[]entitle.Sourced[entitle.Price]{
			price("p.jsonl", 1, "SKU-1", "EUR", "10.00"), price("p.jsonl", 2, "SKU-1", "EUR", "10.00"),
			price("p.jsonl", 3, "SKU-1", "EUR", "12.00"), price("p.jsonl", 4, "SKU-1", "EUR", "10.0"),
		}, []string{
			"p.jsonl:3: partner_price: SKU SKU-1 in EUR has two prices in this import: 12.00 here, 10.00 on line 1",
			"p.jsonl:4: partner_price: SKU SKU-1 in EUR has two prices in this import: 10.0 here, 10.00 on line 1",
		}},
		"in two files": {[]entitle.Sourced[entitle.Price]{
			price("eur.jsonl", 7, "SKU-1", "EUR", "10.00"), price("more.jsonl", 2, "SKU-1", "EUR", "9.00"),
		}, []string{"more.jsonl:2: partner_price: SKU SKU-1 in EUR has two prices in this import: 9.00 here, 10.00 on eur.jsonl:7"}},
		"each rule, with its line and field": {[]entitle.Sourced[entitle.Price]{
			price("p.jsonl", 1, "SKU 1", "EUR", "1.00"), price("p.jsonl", 2, "SKU-1", "Eur", "1.00"),
			price("p.jsonl", 3, "SKU-1", "EUR", "-1"), price("p.jsonl", 4, "", "", ""),
		}, []string{
			`p.jsonl:1: sku: "SKU 1" may contain only A-Z a-z 0-9 . _ -`,
			`p.jsonl:2: currency: "Eur" is not a three-letter currency code such as EUR`,
			`p.jsonl:3: partner_price: "-1" is not a non-negative decimal such as "120.00"`,
			"p.jsonl:4: sku: required",
			"p.jsonl:4: currency: required",
			`p.jsonl:4: partner_price: required (a decimal string such as "120.00")`,
		}},
		"an invalid price is not compared": {[]entitle.Sourced[entitle.Price]{
			price("p.jsonl", 1, "SKU-1", "EUR", "1.00"), price("p.jsonl", 2, "SKU-1", "EUR", "1,00"),
		}, []string{`p.jsonl:2: partner_price: "1,00" is not a non-negative decimal such as "120.00"`}},
	} {
		b := entitle.Batch{Prices: tc.prices}
		if b.Len() != len(tc.prices) {
			t.Errorf("%s: Len %d, want %d", name, b.Len(), len(tc.prices))
		}
		ps, err := b.Validate(context.Background(), catalog{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: problems\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}
