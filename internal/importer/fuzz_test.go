package importer

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/google/go-cmp/cmp"
)

func FuzzReadJSONL(f *testing.F) {
	var sample bytes.Buffer
	WriteJSONL(&sample, sampleBatch(3))
	for _, s := range []string{
		sample.String(),
		okCompany + "\n" + okMSA + "\n" + okOrder + "\n" + okPrice,
		okPrice,
		price(`"partner_price":"99.50"`, `"partner_price":99.50`),
		price(`"sku":"SKU-1"`, `"sku":"SKU-1","Currency":"eur","partner_price":"-0.5"`),
		`{"type":"price","sku":null,"currency":"","partner_price":"1e3"}`,
		"\xEF\xBB\xBF" + okCompany + "\r\n\r\n",
		order(`"quantity":10`, `"quantity":10.5`),
		order(`"unit_price":"120.00"`, `"unit_price":120`),
		order(`"sku":"SKU-1"`, `"sku":"SKU-1","sku":"\u0053"`),
		order(`"owner":"CUST"`, `"owner":"CUST","resellers":["A",1],"bill_to":{"name":"\ud800x","zip":1}`),
		`{"type":"company","key":"A"`,
		`{"type":"msa"} {}`,
		`[[[[]]]]`,
		`{"type":"order","lines":[null,{},{"amount":"1"}]}`,
		"{\"type\":\"company\",\"name\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ps, err := ReadJSONL(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, p := range ps {
			if p.File != "fuzz.jsonl" || p.Line < 1 || p.Line > lines || p.Message == "" {
				t.Fatalf("bad problem %#v", p)
			}
		}
		// Every record read is written back and read again unchanged.
		var buf bytes.Buffer
		if err := WriteJSONL(&buf, b); err != nil {
			t.Fatal(err)
		}
		b2, ps, err := ReadJSONL(&buf, "again.jsonl")
		if err != nil || ps != nil {
			t.Fatalf("reading written records: %v %v\n%s", err, ps, buf.String())
		}
		if diff := cmp.Diff(records(b), records(b2), dateEqual); diff != "" {
			t.Fatalf("round trip (-read +reread):\n%s", diff)
		}
	})
}

// unsourced holds the records of a batch without their sources.
type unsourced struct {
	Companies []entitle.Company
	MSAs      []entitle.MSA
	Prices    []entitle.Price
	Orders    []entitle.Order
}

// records returns the records of b without their sources.
func records(b entitle.Batch) unsourced {
	var cs []entitle.Company
	var ms []entitle.MSA
	var ps []entitle.Price
	var os []entitle.Order
	for _, c := range b.Companies {
		cs = append(cs, c.Record)
	}
	for _, m := range b.MSAs {
		ms = append(ms, m.Record)
	}
	for _, p := range b.Prices {
		ps = append(ps, p.Record)
	}
	for _, o := range b.Orders {
		os = append(os, o.Record)
	}
	return unsourced{cs, ms, ps, os}
}

func FuzzReadCSV(f *testing.F) {
	var sample bytes.Buffer
	var orders []entitle.Order
	for _, o := range sampleBatch(3).Orders {
		orders = append(orders, o.Record)
	}
	WriteOrdersCSV(&sample, orders)
	for _, s := range []string{
		sample.String(),
		csvHeader + "\n" + csvRow("PO-1", "1") + "\n" + csvRow("PO-1", "2"),
		csvHeader + "\n" + csvRow("PO-1", "1") + "\n" + strings.Replace(csvRow("PO-1", "2"), "EUR", "USD", 1),
		csvHeader + ",x\n" + csvRow("PO-1", "1") + ",\"a\nb\"",
		csvHeader + "\n" + `PO-1,"MSA` + "\n",
		csvHeader + "\n" + strings.Replace(csvRow("PO-1", "1"), ",10,", ",1.5,", 1),
		"po_number,po_number\n1,2\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ps, err := ReadCSV(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, p := range ps {
			if p.File != "fuzz.csv" || p.Line < 1 || p.Line > lines || p.Message == "" {
				t.Fatalf("bad problem %#v", p)
			}
		}
		var orders []entitle.Order
		for _, o := range b.Orders {
			// Line is the PO's first row; a row of lines left out
			// (reported) makes the order Partial.
			if len(o.Rows) != len(o.Record.Lines) || o.Line > o.Rows[0] || !o.Partial && o.Line != o.Rows[0] || o.File != "fuzz.csv" {
				t.Fatalf("bad source of order: %+v", o)
			}
			orders = append(orders, o.Record)
		}
		var buf bytes.Buffer
		if err := WriteOrdersCSV(&buf, orders); err != nil {
			t.Fatal(err)
		}
		b2, ps, err := ReadCSV(&buf, "again.csv")
		if err != nil || ps != nil {
			t.Fatalf("reading written orders: %v %v\n%s", err, ps, buf.String())
		}
		if diff := cmp.Diff(orders, records(b2).Orders, dateEqual); diff != "" {
			t.Fatalf("round trip (-read +reread):\n%s", diff)
		}
	})
}

// FuzzScan checks the JSON scanner against encoding/json: the same lines
// are valid (UTF-8 aside, which the scanner requires), and strings decode
// the same.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		okOrder, `"a\u00e9\ud83d\ude00\ud800\udc00\udbff"`, `-0.5e+10`, `[1,2,]`, `{"a":1,}`, `{"a" 1}`, `01`, `1.`, `-`,
		`tru`, `nul`, `"\x"`, "\"\x01\"", `{"a":[{"b":null}],"c":{}}`, " \t\r\n[] ", `{}{}`, `"\uD800\u0041"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s jsonScanner
		err := s.scan(data)
		if err != nil && (err.off < 0 || err.off > len(data)) {
			t.Fatalf("error offset %d out of range", err.off)
		}
		if !utf8.Valid(data) || bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > maxDepth {
			return
		}
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("json.Valid = %v, scanner error %v", valid, err)
		}
		if err != nil || s.nodes[0].kind != jsonString {
			return
		}
		var want string
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		n := s.nodes[0]
		got := string(data[n.start:n.end])
		if n.escaped {
			got = unescape(data[n.start:n.end])
		}
		if got != want {
			t.Fatalf("string %q decoded as %q, encoding/json gives %q", data, got, want)
		}
	})
}
