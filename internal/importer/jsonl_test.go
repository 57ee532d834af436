package importer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/google/go-cmp/cmp"
)

const (
	okCompany = `{"type":"company","key":"ACME","name":"Acme","kind":"distributor"}`
	okMSA     = `{"type":"msa","number":"MSA-1","company":"ACME","start":"2025-01-01","end":"2028-12-31"}`
	okLine    = `{"line":1,"sku":"SKU-1","quantity":10,"unit_price":"120.00","subscription_id":"SUB-1","start_date":"2026-02-01","end_date":"2027-01-31"}`
	okOrder   = `{"type":"order","po_number":"PO-1","msa":"MSA-1","order_date":"2026-01-15","currency":"EUR","purchasing_entity":"ACME","owner":"CUST","lines":[` + okLine + `]}`
	okPrice   = `{"type":"price","sku":"SKU-1","currency":"EUR","partner_price":"99.50"}`
)

// price returns okPrice with old replaced by new.
func price(old, new string) string {
	if !strings.Contains(okPrice, old) {
		panic("no " + old + " in okPrice")
	}
	return strings.Replace(okPrice, old, new, 1)
}

// order returns okOrder with old replaced by new.
func order(old, new string) string {
	if !strings.Contains(okOrder, old) {
		panic("no " + old + " in okOrder")
	}
	return strings.Replace(okOrder, old, new, 1)
}

func TestReadJSONLProblems(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []want
		records int // records returned
	}{
		{"valid", okCompany + "\n" + okMSA + "\n" + okOrder + "\n" + okPrice + "\n", nil, 4},
		{"broken JSON", `{"type":"company","key":"ACME"` + "\n" + okCompany,
			[]want{{1, "", "not valid JSON: unexpected end of line, expected ',' or '}' after a field value at column 31"}}, 1},
		{"broken JSON column counts characters", `{"type":"company","name":"Ünö",}`,
			[]want{{1, "", "unexpected '}', expected a field name in double quotes at column 32"}}, 0},
		{"not an object", `["company"]`, []want{{1, "", "must be a JSON object"}}, 0},
		{"missing type", `{"key":"ACME","name":"Acme"}`, []want{{1, "type", "missing"}}, 0},
		{"unknown type", `{"type":"invoice","key":"ACME"}`, []want{{1, "type", `"invoice" is not a record type`}}, 0},
		{"type not a string", `{"type":1}`, []want{{1, "type", `must be "company", "msa", "order" or "price", not a number (1)`}}, 0},
		{"unknown fields, all named",
			`{"type":"company","key":"ACME","colour":"red","name":"Acme","size":3,"kind":"msp","colour":"blue"}`,
			[]want{{1, "colour", "unknown field"}, {1, "size", "unknown field"}}, 0},
		{"unknown field with a near name", `{"type":"company","Key":"ACME","name":"Acme","kind":"msp"}`,
			[]want{{1, "Key", `did you mean "key"`}}, 0},
		{"unknown field in a line", order(`"line":1,`, `"line":1,"colour":"red",`),
			[]want{{1, "lines[0].colour", "an order line has line, sku"}}, 0},
		{"unknown field in an address", order(`"owner":"CUST"`, `"owner":"CUST","bill_to":{"name":"A","zip":"75002"}`),
			[]want{{1, "bill_to.zip", "unknown field"}}, 0},
		{"duplicate key in a line", order(`"sku":"SKU-1",`, `"sku":"SKU-1","sku":"SKU-2",`),
			[]want{{1, "lines[0].sku", "more than once"}}, 0},
		{"duplicate key reported once", `{"type":"company","key":"A","key":"B","key":"C","name":"n","kind":"msp"}`,
			[]want{{1, "key", "more than once"}}, 0},
		{"duplicate type", `{"type":"company","type":"msa","key":"A","name":"n","kind":"msp"}`,
			[]want{{1, "type", "more than once"}}, 0},
		{"escaped key is the same key", `{"type":"company","key":"A","\u006bey":"B","name":"n","kind":"msp"}`,
			[]want{{1, "key", "more than once"}}, 0},
		{"quantity fraction", order(`"quantity":10`, `"quantity":10.5`),
			[]want{{1, "lines[0].quantity", "must be a positive whole number such as 10, not 10.5"}}, 0},
		{"quantity string", order(`"quantity":10`, `"quantity":"10"`),
			[]want{{1, "lines[0].quantity", `must be a positive whole number such as 10, not a string ("10")`}}, 0},
		{"quantity exponent", order(`"quantity":10`, `"quantity":1e3`),
			[]want{{1, "lines[0].quantity", "must be a positive whole number such as 10, not 1e3"}}, 0},
		{"quantity too large", order(`"quantity":10`, `"quantity":9223372036854775808`),
			[]want{{1, "lines[0].quantity", "(too large)"}}, 0},
		{"quantity negative is left to Validate", order(`"quantity":10`, `"quantity":-1`), nil, 1},
		{"line number not whole", order(`"line":1`, `"line":true`),
			[]want{{1, "lines[0].line", "must be a positive whole number such as 1, not a boolean (true)"}}, 0},
		{"unit price as a number", order(`"unit_price":"120.00"`, `"unit_price":120.0`),
			[]want{{1, "lines[0].unit_price", `must be a decimal string such as "120.00", not a number (120.0)`}}, 0},
		{"unit price as an object", order(`"unit_price":"120.00"`, `"unit_price":{}`),
			[]want{{1, "lines[0].unit_price", `not an object`}}, 0},
		{"amount is computed", order(`"unit_price":"120.00"`, `"unit_price":"120.00","amount":"1200.00"`),
			[]want{{1, "lines[0].amount", "amount is computed from quantity × unit_price; remove it"}}, 0},
		{"bad date", order(`"order_date":"2026-01-15"`, `"order_date":"15/01/2026"`),
			[]want{{1, "order_date", `"15/01/2026" is not a date (want YYYY-MM-DD)`}}, 0},
		{"impossible date", strings.Replace(okMSA, "2025-01-01", "2025-02-30", 1),
			[]want{{1, "start", `"2025-02-30" is not a date`}}, 0},
		{"date as a number", order(`"end_date":"2027-01-31"`, `"end_date":20270131`),
			[]want{{1, "lines[0].end_date", `must be a date string such as "2026-01-31", not a number (20270131)`}}, 0},
		{"key as a number", `{"type":"company","key":42,"name":"n","kind":"msp"}`,
			[]want{{1, "key", "must be a string, not a number (42)"}}, 0},
		{"resellers not an array", order(`"owner":"CUST"`, `"owner":"CUST","resellers":"RES-1"`),
			[]want{{1, "resellers", `must be an array of company keys such as ["BETA-RES"], not a string ("RES-1")`}}, 0},
		{"installers with a non-string", order(`"owner":"CUST"`, `"owner":"CUST","installers":["MSP-1",7,null]`),
			[]want{{1, "installers[1]", "must be a company key string, not a number (7)"}, {1, "installers[2]", "not null"}}, 0},
		{"bill_to not an object", order(`"owner":"CUST"`, `"owner":"CUST","bill_to":"Acme, Paris"`),
			[]want{{1, "bill_to", "must be an object with name, address and country"}}, 0},
		{"lines not an array", order(`"lines":[`+okLine+`]`, `"lines":{}`),
			[]want{{1, "lines", "must be an array of order lines, not an object"}}, 0},
		{"line not an object", order(`"lines":[`+okLine+`]`, `"lines":[`+okLine+`,"x"]`),
			[]want{{1, "lines[1]", `must be an order line object, not a string ("x")`}}, 0},
		{"several problems on one line, in order",
			order(`"quantity":10,"unit_price":"120.00"`, `"quantity":"ten","unit_price":12`),
			[]want{{1, "lines[0].quantity", "whole number"}, {1, "lines[0].unit_price", "decimal string"}}, 0},
		{"problem in the second line of an order",
			order(`"lines":[`+okLine+`]`, `"lines":[`+okLine+`,`+strings.Replace(okLine, `"quantity":10`, `"quantity":2.5`, 1)+`]`),
			[]want{{1, "lines[1].quantity", "not 2.5"}}, 0},
		{"trailing data", okCompany + ` {"type":"company"}`,
			[]want{{1, "", "not valid JSON: unexpected '{' after the end of the object at column 68"}}, 0},
		{"trailing comma in file", okCompany + ",",
			[]want{{1, "", "after the end of the object"}}, 0},
		{"invalid UTF-8", `{"type":"company","key":"A","name":"Caf` + "\xe9" + `","kind":"msp"}`,
			[]want{{1, "", "invalid UTF-8"}}, 0},
		{"control character", `{"type":"company","key":"A","name":"a` + "\t" + `b","kind":"msp"}`,
			[]want{{1, "", "control character U+0009 in a string"}}, 0},
		{"bad escape", `{"type":"company","key":"A","name":"a\qb","kind":"msp"}`,
			[]want{{1, "", `invalid escape \'q'`}}, 0},
		{"deeply nested", `{"type":"company","key":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
			[]want{{1, "", "nested more than 64 deep"}}, 0},
		{"continues after each bad line",
			okCompany + "\n{\n" + okMSA + "\n" + `{"type":"x"}` + "\n" + okOrder,
			[]want{{2, "", "not valid JSON"}, {4, "type", "not a record type"}}, 3},
		{"blank lines, CRLF and a BOM",
			"\xEF\xBB\xBF" + okCompany + "\r\n\r\n   \t\n" + okMSA + "\r\n\n", nil, 2},
		{"null is absent", `{"type":"company","key":"A","name":null,"kind":null}`, nil, 1},
		{"empty file", "", nil, 0},

		// Price records.
		{"price alone", okPrice, nil, 1},
		{"price as a number", price(`"partner_price":"99.50"`, `"partner_price":99.5`),
			[]want{{1, "partner_price", `must be a decimal string such as "120.00", not a number (99.5); amounts are never floats`}}, 0},
		{"price as a boolean", price(`"partner_price":"99.50"`, `"partner_price":false`),
			[]want{{1, "partner_price", `must be a decimal string such as "120.00", not a boolean (false)`}}, 0},
		{"price sku not a string", price(`"sku":"SKU-1"`, `"sku":["SKU-1"]`),
			[]want{{1, "sku", "must be a string, not an array"}}, 0},
		{"price currency not a string", price(`"currency":"EUR"`, `"currency":978`),
			[]want{{1, "currency", "must be a string, not a number (978)"}}, 0},
		{"price unknown field", price(`"currency":"EUR"`, `"currency":"EUR","valid_from":"2026-01-01"`),
			[]want{{1, "valid_from", "unknown field; a price record has type, sku, currency and partner_price"}}, 0},
		{"price unknown field with a near name", price(`"sku"`, `"SKU"`),
			[]want{{1, "SKU", `unknown field (did you mean "sku"?); a price record has type, sku, currency and partner_price`}}, 0},
		{"price misspelt field", price(`"partner_price"`, `"partnerPrice"`),
			[]want{{1, "partnerPrice", "unknown field; a price record"}}, 0},
		{"price field of another record", price(`"sku":"SKU-1"`, `"sku":"SKU-1","unit_price":"1.00"`),
			[]want{{1, "unit_price", "unknown field"}}, 0},
		{"price field twice", price(`"currency":"EUR"`, `"currency":"EUR","currency":"USD"`),
			[]want{{1, "currency", "more than once"}}, 0},
		{"price values are left to Validate", `{"type":"price","sku":"A B","currency":"eur","partner_price":"-1"}`, nil, 1},
		{"price missing fields are left to Validate", `{"type":"price","partner_price":null}`, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ps, err := ReadJSONL(strings.NewReader(tt.in), "in.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, "in.jsonl", ps, tt.want)
			if b.Len() != tt.records {
				t.Errorf("got %d records, want %d", b.Len(), tt.records)
			}
		})
	}
}

func TestReadJSONLValues(t *testing.T) {
	in := "\n" + okCompany + "\n" +
		`{"type":"order","po_number":"PO-\u00e9","msa":"MSA-1","order_date":"2026-01-15","currency":"EUR",` +
		`"purchasing_entity":"ACME","resellers":["R1","R2"],"owner":"CUST","installers":[],` +
		`"bill_to":{"name":"A \"B\"\n","address":"x","country":"FR"},"installation_site":null,` +
		`"lines":[{"line":2,"sku":"S","description":"\ud83d\ude00 \ud800","quantity":-3,"unit_price":"1.5",` +
		`"subscription_id":"SUB-1","start_date":"2026-02-01","end_date":""}]}` + "\n" +
		`{"partner_price":"0","currency":"USD","sku":"EBO-\u0045NT","type":"price"}` + "\n"
	b, ps, err := ReadJSONL(strings.NewReader(in), "v.jsonl")
	if err != nil || ps != nil {
		t.Fatal(err, ps)
	}
	want := entitle.Batch{
		Companies: []entitle.Sourced[entitle.Company]{{File: "v.jsonl", Line: 2, Record: entitle.Company{Key: "ACME", Name: "Acme", Kind: "distributor"}}},
		Orders: []entitle.Sourced[entitle.Order]{{File: "v.jsonl", Line: 3, Record: entitle.Order{
			PONumber: "PO-é", MSA: "MSA-1", OrderDate: entitle.MustDate("2026-01-15"), Currency: "EUR",
			PurchasingEntity: "ACME", Resellers: []string{"R1", "R2"}, Owner: "CUST",
			BillTo: &entitle.Address{Name: "A \"B\"\n", Address: "x", Country: "FR"},
			Lines: []entitle.Line{{Line: 2, SKU: "S", Description: "😀 \uFFFD", Quantity: -3, UnitPrice: "1.5",
				SubscriptionID: "SUB-1", StartDate: entitle.MustDate("2026-02-01")}},
		}}},
		Prices: []entitle.Sourced[entitle.Price]{{File: "v.jsonl", Line: 4, Record: entitle.Price{SKU: "EBO-ENT", Currency: "USD", PartnerPrice: "0"}}},
	}
	if diff := cmp.Diff(want, b, dateEqual); diff != "" {
		t.Errorf("batch (-want +got):\n%s", diff)
	}
}

// TestReadJSONLThenValidate checks that a problem found by the parser is
// not reported again by Batch.Validate, and that what the parser leaves to
// Validate is reported there.
func TestReadJSONLThenValidate(t *testing.T) {
	in := strings.Join([]string{
		okCompany,
		`{"type":"company","key":"CUST","name":"Customer","kind":"customer"}`,
		okMSA,
		order(`"quantity":10`, `"quantity":10.5`),                            // parser
		order(`"quantity":10`, `"quantity":-1`),                              // Validate
		order(`"po_number":"PO-1"`, `"po_number":"PO-2","po_number":"PO-3"`), // parser
		`{"type":"order","po_number":"PO-1","msa":"MSA-1","order_date":"2026-01-15","currency":"EUR","purchasing_entity":"ACME","owner":null}`, // Validate: missing fields
		order(`"lines":[`+okLine+`]`, `"lines":[`+okLine+`,`+okLine+`]`),                                                                       // Validate: line twice
		`{"type":"msa","number":"MSA-2","company":"NOPE","start":"2025-01-01","end":1}`,                                                        // parser
		price(`"partner_price":"99.50"`, `"partner_price":99.50`),                                                                              // parser
		`{"type":"price","sku":"SKU 1","currency":"euro","partner_price":"1,50"}`,                                                              // Validate
		okPrice,
		price(`"partner_price":"99.50"`, `"partner_price":"99.5"`), // Validate: another price of SKU-1 in EUR (the same amount, written otherwise)
		okPrice, // the same price again is fine
	}, "\n")
	b, ps, err := ReadJSONL(strings.NewReader(in), "f.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	vps, err := b.Validate(context.Background(), catalog{})
	if err != nil {
		t.Fatal(err)
	}
	all := append(ps, vps...)
	checkProblems(t, "f.jsonl", all, []want{
		{4, "lines[0].quantity", "not 10.5"},
		{6, "po_number", "more than once"},
		{9, "end", "must be a date string"},
		{10, "partner_price", "not a number (99.50)"},
		{5, "lines[0].quantity", "must be a positive whole number, not -1"},
		{7, "owner", "required"},
		{7, "lines", "at least one line"},
		{7, "po_number", "PO-1 of ACME appears twice"},
		{8, "lines[1].line", "appears twice"},
		{8, "lines[1].subscription_id", "appears twice"},
		{8, "po_number", "appears twice"},
		{11, "sku", `"SKU 1" may contain only`},
		{11, "currency", `"euro" is not a three-letter currency code`},
		{11, "partner_price", `"1,50" is not a non-negative decimal`},
		{13, "partner_price", "SKU SKU-1 in EUR has two prices in this import: 99.5 here, 99.50 on line 12"},
	})
}

func TestReadJSONLLongLine(t *testing.T) {
	// At the real limit: the long lines are skipped without being scanned.
	long := `{"type":"company","key":"A","name":"` + strings.Repeat("x", maxLineBytes) + `"}`
	in := okCompany + "\n" + long + "\n" + okMSA + "\n" + long // the last one without "\n"
	b, ps, err := ReadJSONL(strings.NewReader(in), "big.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, "big.jsonl", ps, []want{{2, "", "line is longer than 16 MiB"}, {4, "", "longer than 16 MiB"}})
	if b.Len() != 2 {
		t.Errorf("got %d records, want 2", b.Len())
	}

	// At a small limit, below and above bufio's buffer: exactly the limit is
	// allowed, with "\r\n" or not.
	for _, limit := range []int{100, 100 << 10} {
		exact := `{"type":"company","key":"A","name":"` + strings.Repeat("x", limit-51) + `","kind":"msp"}`
		if len(exact) != limit {
			t.Fatalf("len %d", len(exact))
		}
		in := exact + "\r\n" + exact + "x\n" + exact + "\n" + exact + "xx"
		b, ps, err = readJSONL(strings.NewReader(in), "big.jsonl", limit)
		if err != nil {
			t.Fatal(err)
		}
		checkProblems(t, "big.jsonl", ps, []want{{2, "", "line is longer than " + size(limit)}, {4, "", "longer than"}})
		if b.Len() != 2 {
			t.Errorf("limit %d: got %d records, want 2", limit, b.Len())
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errDisk }

var errDisk = &entitle.Error{Code: "disk", Message: "disk on fire"}

func TestReadIOError(t *testing.T) {
	for _, name := range []string{"x.jsonl", "x.csv"} {
		_, _, err := Read(failingReader{}, name)
		if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got error %v", name, err)
		}
	}
}

func TestWriteJSONLFormat(t *testing.T) {
	b := entitle.Batch{
		Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "ACME-DIST", Name: "Acme <Distribution>", Kind: "distributor"}}},
		MSAs:      []entitle.Sourced[entitle.MSA]{{Record: entitle.MSA{Number: "MSA-7", Company: "ACME-DIST", Start: entitle.MustDate("2025-01-01"), End: entitle.MustDate("2028-12-31")}}},
		Prices:    []entitle.Sourced[entitle.Price]{{Record: entitle.Price{SKU: "EBO-ENT-1Y", Currency: "EUR", PartnerPrice: "99.50"}}},
		Orders: []entitle.Sourced[entitle.Order]{{Record: entitle.Order{
			PONumber: "PO-1001", MSA: "MSA-7", OrderDate: entitle.MustDate("2026-01-15"), Currency: "EUR",
			PurchasingEntity: "ACME-DIST", Resellers: []string{"BETA-RES"}, Owner: "CUST-1", Installers: []string{"MSP-1"},
			BillTo:           &entitle.Address{Name: "Cust \"1\"", Address: "1 rue\nParis", Country: "FR"},
			InstallationSite: &entitle.Address{Name: "Site\x01"},
			Lines: []entitle.Line{{Line: 1, SKU: "EBO-ENT-1Y", Description: "é\\", Quantity: 10, UnitPrice: "120.00",
				SubscriptionID: "SUB-000123", StartDate: entitle.MustDate("2026-02-01"), EndDate: entitle.MustDate("2027-01-31")}},
		}}, {Record: entitle.Order{PONumber: "PO-2", Currency: "bad\xff"}}},
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, b); err != nil {
		t.Fatal(err)
	}
	want := `{"type":"company","key":"ACME-DIST","name":"Acme <Distribution>","kind":"distributor"}
{"type":"msa","number":"MSA-7","company":"ACME-DIST","start":"2025-01-01","end":"2028-12-31"}
{"type":"price","sku":"EBO-ENT-1Y","currency":"EUR","partner_price":"99.50"}
{"type":"order","po_number":"PO-1001","msa":"MSA-7","order_date":"2026-01-15","currency":"EUR","purchasing_entity":"ACME-DIST","resellers":["BETA-RES"],"owner":"CUST-1","installers":["MSP-1"],"bill_to":{"name":"Cust \"1\"","address":"1 rue\nParis","country":"FR"},"installation_site":{"name":"Site\u0001"},"lines":[{"line":1,"sku":"EBO-ENT-1Y","description":"é\\","quantity":10,"unit_price":"120.00","subscription_id":"SUB-000123","start_date":"2026-02-01","end_date":"2027-01-31"}]}
{"type":"order","po_number":"PO-2","msa":"","order_date":"","currency":"bad\ufffd","purchasing_entity":"","owner":"","lines":[]}
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	in := sampleBatch(60)
	// Edge values that must survive too.
	in.Orders = append(in.Orders, entitle.Sourced[entitle.Order]{Record: entitle.Order{
		PONumber: "PO-\"edge\"\\/\u2028", Currency: "\x00\x1f\x7f", Owner: "日本",
		BillTo: &entitle.Address{},
		Lines:  []entitle.Line{{Line: -1, Quantity: -9223372036854775808, Description: "\t\r\n"}, {Quantity: 1<<63 - 1}},
	}})
	in.Prices = append(in.Prices, entitle.Sourced[entitle.Price]{Record: entitle.Price{SKU: "\"\u2028", Currency: "\x00", PartnerPrice: "-1e3"}},
		entitle.Sourced[entitle.Price]{})
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, in); err != nil {
		t.Fatal(err)
	}
	got, ps, err := ReadJSONL(&buf, "rt.jsonl")
	if err != nil || ps != nil {
		t.Fatal(err, ps)
	}
	if diff := cmp.Diff(located(in, "rt.jsonl"), got, dateEqual); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReadJSONLProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"company"`)
	for i := range 5000 {
		fmt.Fprintf(&b, `,"f%d":1,"f%d":2`, i, i)
	}
	b.WriteString(`,"start":"` + strings.Repeat("9", 1000) + `"}` + "\n" + okMSA)
	batch, ps, err := ReadJSONL(strings.NewReader(b.String()), "cap.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != maxLineProblems || ps[len(ps)-1].Message != "too many problems on this line; the rest are not listed" || batch.Len() != 1 {
		t.Errorf("got %d problems, the last %v; %d records", len(ps), ps[len(ps)-1], batch.Len())
	}
}
