package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/google/go-cmp/cmp"
)

const csvHeader = "po_number,msa,order_date,currency,purchasing_entity,owner,line,sku,quantity,unit_price,subscription_id,start_date,end_date"

// csvRow returns a valid row for csvHeader of PO po with line number n.
func csvRow(po, n string) string {
	return po + ",MSA-1,2026-01-15,EUR,ACME,CUST," + n + ",SKU-1,10,120.00,SUB-" + po + "-" + n + ",2026-02-01,2027-01-31"
}

func TestReadCSVProblems(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   []want
		orders int
	}{
		{"valid", csvHeader + "\n" + csvRow("PO-1", "1") + "\n" + csvRow("PO-1", "2") + "\n" + csvRow("PO-2", "1"), nil, 2},
		{"empty file", "", []want{{1, "", "no header row"}}, 0},
		{"header only", csvHeader + "\n", nil, 0},
		{"unknown and duplicate columns", csvHeader + ",Colour , Currency\n" + csvRow("PO-1", "1") + ",red,EUR",
			[]want{{1, "Colour", "unknown column; the columns are po_number, msa"}, {1, "currency", "appears twice in the header (columns 4 and 15)"}}, 0},
		{"missing columns", "po_number,msa\nPO-1,MSA-1",
			[]want{{1, "order_date", "required column is missing"}, {1, "currency", "missing"}, {1, "purchasing_entity", "missing"},
				{1, "owner", "missing"}, {1, "line", "missing"}, {1, "sku", "missing"}, {1, "quantity", "missing"},
				{1, "unit_price", "missing"}, {1, "subscription_id", "missing"}, {1, "start_date", "missing"}, {1, "end_date", "missing"}}, 0},
		{"header problem still checks rows", csvHeader + ",x\n" + csvRow("PO-1", "1") + "\n",
			[]want{{1, "x", "unknown column"}, {2, "", "has 13 fields but the header has 14"}}, 0},
		{"unnamed column", csvHeader + ",\n" + csvRow("PO-1", "1") + ",",
			[]want{{1, "", "column 14 of the header has no name"}}, 0},
		{"names trimmed, any case, any order",
			"\xEF\xBB\xBF END_DATE , Start_Date,subscription_id,unit_price,quantity,sku,line,owner,purchasing_entity,currency,order_date,msa,po_number\n" +
				"2027-01-31,2026-02-01,SUB-1,120.00,10,SKU-1,1,CUST,ACME,EUR,2026-01-15,MSA-1,PO-1\n", nil, 1},
		{"wrong number of fields", csvHeader + "\n" + csvRow("PO-1", "1") + ",extra\n" + csvRow("PO-2", "1") + "\nPO-3,MSA-1\n",
			[]want{{2, "", "has 14 fields but the header has 13"}, {4, "", "has 2 fields"}}, 1},
		{"CSV syntax error, then go on", csvHeader + "\n" + `PO-1,MSA "1",2026-01-15` + "\n" + csvRow("PO-2", "1"),
			[]want{{2, "", `not valid CSV: bare " in non-quoted-field at byte 10 of the line`}}, 1},
		{"quantity and line not whole numbers", csvHeader + "\n" +
			strings.Replace(csvRow("PO-1", "x"), ",10,", ",10.5,", 1) + "\n" +
			strings.Replace(csvRow("PO-2", "1"), ",10,", ",1e3,", 1) + "\n" +
			strings.Replace(csvRow("PO-3", "1"), ",10,", ",99999999999999999999,", 1) + "\n" +
			strings.Replace(csvRow("PO-4", "1"), ",10,", ",-1,", 1) + "\n" + // left to Validate
			strings.Replace(csvRow("PO-5", "1"), ",10,", ",,", 1), // left to Validate
			[]want{{2, "line", `must be a positive whole number such as 1, not "x"`},
				{2, "quantity", `must be a positive whole number such as 10, not "10.5"`},
				{3, "quantity", `not "1e3"`}, {4, "quantity", "(too large)"}}, 2},
		{"bad dates", csvHeader + "\n" + strings.Replace(csvRow("PO-1", "1"), "2026-01-15", "15.01.2026", 1) + "\n" +
			strings.Replace(csvRow("PO-2", "1"), "2027-01-31", "2027-02-29", 1),
			[]want{{2, "order_date", `"15.01.2026" is not a date (want YYYY-MM-DD)`}, {3, "end_date", `"2027-02-29" is not a date`}}, 0},
		{"rows of one PO disagree", csvHeader + "\n" + csvRow("PO-1", "1") + "\n" +
			strings.Replace(strings.Replace(csvRow("PO-1", "2"), "EUR", "USD", 1), "CUST", "OTHER", 1) + "\n" + csvRow("PO-2", "1"),
			[]want{{3, "currency", `"USD" differs from "EUR" on line 2 for PO PO-1 of ACME`}, {3, "owner", `"OTHER" differs from "CUST" on line 2`}}, 2},
		{"same PO number, other purchasing entity, is another order", csvHeader + "\n" + csvRow("PO-1", "1") + "\n" +
			strings.Replace(csvRow("PO-1", "1"), "ACME", "BETA", 1), nil, 2},
		{"multi-line field: row line is its start", csvHeader + ",description\n" +
			csvRow("PO-1", "1") + ",\"two\nlines\"\n" + strings.Replace(csvRow("PO-1", "2"), "EUR", "GBP", 1) + ",\"a\n\nb\"\n" +
			strings.Replace(csvRow("PO-1", "3"), "EUR", "CHF", 1) + ",x",
			[]want{{4, "currency", `"GBP" differs from "EUR" on line 2`}, {7, "currency", `"CHF" differs`}}, 1},
		{"blank rows are skipped", csvHeader + "\n\n,,,,,,,,,,,,\n" + csvRow("PO-1", "1") + "\n \n", nil, 1},
		{"unterminated quote", csvHeader + "\n" + csvRow("PO-1", "1") + "\nPO-2,\"MSA\n",
			[]want{{3, "", `not valid CSV: extraneous or missing " in quoted-field`}}, 1},
		{"broken header", "po_number,\"msa\n",
			[]want{{1, "", "not valid CSV"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ps, err := ReadCSV(strings.NewReader(tt.in), "in.csv")
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, "in.csv", ps, tt.want)
			if len(b.Orders) != tt.orders || b.Len() != tt.orders {
				t.Errorf("got %d orders (%d records), want %d", len(b.Orders), b.Len(), tt.orders)
			}
		})
	}
}

func TestReadCSVGrouping(t *testing.T) {
	in := "po_number,msa,order_date,currency,purchasing_entity,owner,resellers,installers,line,sku,description,quantity,unit_price," +
		"subscription_id,start_date,end_date,bill_to_name,bill_to_address,bill_to_country,installation_site_name," +
		"installation_site_address,installation_site_country\n" +
		"PO-1,MSA-1,2026-01-15,EUR,ACME,CUST,R1; R2,,1,SKU-1,\"first, line\",10,120.00,SUB-1,2026-02-01,2027-01-31,Acme AP,,,,,\n" +
		"PO-2,MSA-1,2026-01-16,EUR,ACME,ACME,,M1,1,SKU-2,,1,5,SUB-2,2026-02-01,2026-02-01,,,,Site,\"1 Main St\nSpringfield\",US\n" +
		"PO-1,MSA-1,2026-01-15,EUR,ACME,CUST,R1;R2;,,2,SKU-1,,-5,120.00,SUB-3,2026-02-01,,Acme AP,,,,,\n"
	b, ps, err := ReadCSV(strings.NewReader(in), "g.csv")
	if err != nil || ps != nil {
		t.Fatal(err, ps)
	}
	d := entitle.MustDate
	want := entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{
		{File: "g.csv", Line: 2, Rows: []int{2, 5}, Record: entitle.Order{
			PONumber: "PO-1", MSA: "MSA-1", OrderDate: d("2026-01-15"), Currency: "EUR", PurchasingEntity: "ACME", Owner: "CUST",
			Resellers: []string{"R1", "R2"}, BillTo: &entitle.Address{Name: "Acme AP"},
			Lines: []entitle.Line{
				{Line: 1, SKU: "SKU-1", Description: "first, line", Quantity: 10, UnitPrice: "120.00", SubscriptionID: "SUB-1", StartDate: d("2026-02-01"), EndDate: d("2027-01-31")},
				{Line: 2, SKU: "SKU-1", Quantity: -5, UnitPrice: "120.00", SubscriptionID: "SUB-3", StartDate: d("2026-02-01")},
			},
		}},
		{File: "g.csv", Line: 3, Rows: []int{3}, Record: entitle.Order{
			PONumber: "PO-2", MSA: "MSA-1", OrderDate: d("2026-01-16"), Currency: "EUR", PurchasingEntity: "ACME", Owner: "ACME",
			Installers: []string{"M1"}, InstallationSite: &entitle.Address{Name: "Site", Address: "1 Main St\nSpringfield", Country: "US"},
			Lines: []entitle.Line{
				{Line: 1, SKU: "SKU-2", Quantity: 1, UnitPrice: "5", SubscriptionID: "SUB-2", StartDate: d("2026-02-01"), EndDate: d("2026-02-01")},
			},
		}},
	}}
	if diff := cmp.Diff(want, b, dateEqual); diff != "" {
		t.Errorf("batch (-want +got):\n%s", diff)
	}

	// Validate places line problems on their rows, with the column as field.
	vps, err := b.Validate(context.Background(), catalog{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range vps {
		if p.Field == "quantity" || p.Field == "end_date" || p.Field == "installation_site_address" {
			got = append(got, p.String())
		}
	}
	wantVPS := []string{
		"g.csv:3: installation_site_address: must be a single line of text",
		"g.csv:5: quantity: must be a positive whole number, not -5",
		"g.csv:5: end_date: required",
	}
	if diff := cmp.Diff(wantVPS, got); diff != "" {
		t.Errorf("Validate problems (-want +got):\n%s", diff)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	orders := []entitle.Order{}
	for _, o := range sampleBatch(40).Orders {
		orders = append(orders, o.Record)
	}
	orders = append(orders, entitle.Order{
		PONumber: "PO,\"q\"", Currency: " x ", Owner: "日本", Resellers: []string{"A", "B"},
		InstallationSite: &entitle.Address{Country: "FR"},
		Lines:            []entitle.Line{{Line: -1, Quantity: -9223372036854775808, Description: "\"\n,"}, {Quantity: 1<<63 - 1}},
	})
	var buf bytes.Buffer
	if err := WriteOrdersCSV(&buf, orders); err != nil {
		t.Fatal(err)
	}
	b, ps, err := ReadCSV(&buf, "rt.csv")
	if err != nil || ps != nil {
		t.Fatal(err, ps)
	}
	var want []entitle.Sourced[entitle.Order]
	line := 1
	for _, o := range orders {
		s := entitle.Sourced[entitle.Order]{File: "rt.csv", Line: line + 1, Record: o}
		for range o.Lines {
			line++
			s.Rows = append(s.Rows, line)
			if strings.Contains(o.PONumber, "q") {
				line++ // the description "\"\n," spans two lines
			}
		}
		want = append(want, s)
	}
	if diff := cmp.Diff(want, b.Orders, dateEqual); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestWriteOrdersCSVRefuses(t *testing.T) {
	for _, o := range []entitle.Order{
		{PONumber: "PO-1"},
		{PONumber: "PO-1", Resellers: []string{"A;B"}, Lines: []entitle.Line{{}}},
		{PONumber: "PO-1", Installers: []string{""}, Lines: []entitle.Line{{}}},
	} {
		if err := WriteOrdersCSV(new(bytes.Buffer), []entitle.Order{o}); err == nil || !strings.Contains(err.Error(), "PO-1") {
			t.Errorf("%+v: got error %v", o, err)
		}
	}
}

func TestReadDispatch(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "a.JSONL")
	csvFile := filepath.Join(dir, "b.Csv")
	os.WriteFile(jsonl, []byte(okCompany+"\n"), 0o600)
	os.WriteFile(csvFile, []byte(csvHeader+"\n"+csvRow("PO-1", "1")+"\n"), 0o600)

	b, ps, err := ReadFile(jsonl)
	if err != nil || ps != nil || len(b.Companies) != 1 || b.Companies[0].File != jsonl {
		t.Errorf("jsonl: %v %v %+v", err, ps, b)
	}
	b, ps, err = ReadFile(csvFile)
	if err != nil || ps != nil || len(b.Orders) != 1 || b.Orders[0].File != csvFile {
		t.Errorf("csv: %v %v %+v", err, ps, b)
	}
	for _, name := range []string{"orders.txt", "orders", filepath.Join(dir, "missing.json")} {
		b, ps, err = ReadFile(name)
		if err != nil || b.Len() != 0 || len(ps) != 1 || ps[0].File != name || ps[0].Line != 0 ||
			!strings.Contains(ps[0].Message, ".jsonl (companies, MSAs, orders and prices) or .csv") {
			t.Errorf("%s: %v %v %+v", name, err, ps, b)
		}
	}
	if _, _, err := ReadFile(filepath.Join(dir, "missing.jsonl")); !os.IsNotExist(err) {
		t.Errorf("missing file: got error %v", err)
	}
	if b, ps, err := Read(strings.NewReader(okCompany), "x.jsonl"); err != nil || ps != nil || b.Len() != 1 {
		t.Errorf("Read: %v %v %+v", err, ps, b)
	}
}

func TestReadCSVLongLine(t *testing.T) {
	for _, limit := range []int{200, 100 << 10} {
		in := csvHeader + "\n" + csvRow("PO-1", "1") + "\n" + strings.Repeat("x", limit) + "\r\n" +
			strings.Repeat("x", limit+2) + "\n" + csvRow("PO-2", "1") + "\n" // (one byte of leeway for a "\r")
		b, ps, err := readCSV(strings.NewReader(in), "big.csv", limit)
		if err != nil {
			t.Fatal(err)
		}
		checkProblems(t, "big.csv", ps, []want{{3, "", "has 1 fields"}, {4, "", "longer than " + size(limit) + "; stopped reading"}})
		if b.Len() != 0 {
			t.Errorf("got %d records from a file cut short", b.Len())
		}
	}
}

func TestReadCSVLongValues(t *testing.T) {
	header := csvHeader + strings.Repeat(",x", 500)
	row := strings.Replace(csvRow("PO-1", "1"), "2026-01-15", strings.Repeat("2", 10000), 1) + strings.Repeat(",", 500)
	_, ps, err := ReadCSV(strings.NewReader(header+"\n"+row), "long.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != maxLineProblems+1 || ps[maxLineProblems-1].Message != "too many problems on this line; the rest are not listed" {
		t.Fatalf("got %d problems: %v", len(ps), ps[len(ps)-1])
	}
	if last := ps[len(ps)-1]; last.Field != "order_date" || len(last.Message) > 200 {
		t.Errorf("long date: got %v", last)
	}
}
