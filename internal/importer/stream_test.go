package importer

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
)

// ordersOf reads every order of b, held and streamed.
func ordersOf(t *testing.T, b entitle.Batch) []entitle.Sourced[entitle.Order] {
	t.Helper()
	var got []entitle.Sourced[entitle.Order]
	if err := b.EachOrder(func(o entitle.Sourced[entitle.Order]) error {
		got = append(got, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestStreamJSONL: Stream gives what Read gives — the same companies, MSAs,
// prices, problems and, read again from the file each time, the same
// orders — without holding the orders.
func TestStreamJSONL(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, sampleBatch(30)); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	// A few broken records, an order among them, and an order after them.
	lines = append(lines[:60], append([]string{"{not json\n", `{"type":"order","po_number":7}` + "\n"}, lines[60:]...)...)
	data := strings.Join(lines, "")
	path := filepath.Join(t.TempDir(), "channel.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	want, wantPs, err := ReadJSONL(strings.NewReader(data), path)
	if err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, ps, err := StreamSeeker(f, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Orders) != 0 || len(got.Streams) != 1 || got.Streams[0].Len != len(want.Orders) {
		t.Fatalf("%d orders held, streams %+v; want none held and one stream of %d", len(got.Orders), got.Streams, len(want.Orders))
	}
	if got.Len() != want.Len() {
		t.Errorf("Len %d, want %d", got.Len(), want.Len())
	}
	if diff := cmp.Diff(wantPs, ps); diff != "" {
		t.Errorf("problems (-Read +Stream):\n%s", diff)
	}
	if diff := cmp.Diff(want.Companies, got.Companies); diff != "" {
		t.Errorf("companies (-Read +Stream):\n%s", diff)
	}
	if diff := cmp.Diff(want.MSAs, got.MSAs, dateEqual); diff != "" {
		t.Errorf("MSAs (-Read +Stream):\n%s", diff)
	}
	if diff := cmp.Diff(want.Prices, got.Prices); diff != "" {
		t.Errorf("prices (-Read +Stream):\n%s", diff)
	}
	for round := range 2 { // an import that is retried reads the orders again
		if diff := cmp.Diff(want.Orders, ordersOf(t, got), dateEqual); diff != "" {
			t.Fatalf("reading %d: orders (-Read +Stream):\n%s", round+1, diff)
		}
	}

	// The error of the import's callback stops the reading.
	stop := io.ErrShortWrite
	n := 0
	if err := got.EachOrder(func(entitle.Sourced[entitle.Order]) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("EachOrder: %v after %d orders, want %v after 1", err, n, stop)
	}

	// A file changed between the readings is refused.
	changed := strings.Replace(data, `"quantity":1,`, `"quantity":2,`, 1)
	if changed == data {
		t.Fatal("the sample has no quantity 1 to change")
	}
	if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	err = got.EachOrder(func(entitle.Sourced[entitle.Order]) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "changed while it was being imported") {
		t.Errorf("reading a changed file: %v, want an error saying it changed", err)
	}
}

// TestStreamCSV: a CSV file's orders are held (their rows may be anywhere
// in the file) and yielded in the file's order, as Read gives them.
func TestStreamCSV(t *testing.T) {
	var orders []entitle.Order
	for _, o := range sampleBatch(10).Orders {
		orders = append(orders, o.Record)
	}
	var buf bytes.Buffer
	if err := WriteOrdersCSV(&buf, orders); err != nil {
		t.Fatal(err)
	}
	want, _, err := Read(bytes.NewReader(buf.Bytes()), "orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, ps, err := StreamSeeker(bytes.NewReader(buf.Bytes()), "orders.csv")
	if err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	if diff := cmp.Diff(want.Orders, ordersOf(t, got), dateEqual); diff != "" {
		t.Errorf("orders (-Read +Stream):\n%s", diff)
	}
	if got.Len() != len(orders) {
		t.Errorf("Len %d, want %d", got.Len(), len(orders))
	}
}
