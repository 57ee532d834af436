package disclose

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestSafeCell: a cell a spreadsheet would execute — leading =, +, -, @,
// tab or carriage return (OWASP, "CSV Injection") — gets a leading single
// quote; any other cell is written as it is.
func TestSafeCell(t *testing.T) {
	for _, lead := range []string{"=", "+", "-", "@", "\t", "\r"} {
		cell := lead + `HYPERLINK("https://evil.example","x")`
		if got := SafeCell(cell); got != "'"+cell {
			t.Errorf("%q: %q", cell, got)
		}
	}
	for _, cell := range []string{"", "Plant 3", "S-100", "a=b", "2027-05-19", "'quoted", " =spaced"} {
		if got := SafeCell(cell); got != cell {
			t.Errorf("%q changed: %q", cell, got)
		}
	}
}

// TestCSVColumnsAndCells: the header holds the columns of the views, and
// every cell of a row is neutralised.
func TestCSVColumnsAndCells(t *testing.T) {
	e := Entitlement{SubscriptionID: "-S1", SKU: "@SKU", Quantity: 2, StartDate: entitle.Date{}, PONumber: "+PO", Status: "active",
		Access: []entitle.Basis{entitle.BasisOwner}, Owner: &Party{Key: "OWN", Name: "=cmd|' /C calc'!A0"},
		InstallationSite: &entitle.Address{Name: "\tSite", Address: "\r\nRoad", Country: "NL"}}
	for _, tc := range []struct {
		views policy.View
		cols  int
	}{{policy.ViewEntitlement, 8}, {policy.ViewEntitlement | policy.ViewOwner | policy.ViewPartner, 13}} {
		var buf bytes.Buffer
		w, err := newCSV(&buf, tc.views)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.write(e); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) != 2 || len(rows[0]) != tc.cols || len(rows[1]) != tc.cols {
			t.Fatalf("views %s: %v %q", tc.views, err, rows)
		}
		for _, cell := range rows[1] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("views %s: cell %q is not neutralised", tc.views, cell)
			}
		}
	}
}
