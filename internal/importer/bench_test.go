package importer

import (
	"bytes"
	"testing"

	"github.com/entitle-portal/entitle"
)

func BenchmarkReadJSONL(b *testing.B) {
	batch := sampleBatch(20000)
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, batch); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		got, ps, err := ReadJSONL(bytes.NewReader(data), "bench.jsonl")
		if err != nil || ps != nil || got.Len() != batch.Len() {
			b.Fatal(err, ps, got.Len())
		}
	}
	b.ReportMetric(float64(b.N*batch.Len())/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkReadCSV(b *testing.B) {
	var orders []entitle.Order
	for _, o := range sampleBatch(20000).Orders {
		orders = append(orders, o.Record)
	}
	var buf bytes.Buffer
	if err := WriteOrdersCSV(&buf, orders); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		got, ps, err := ReadCSV(bytes.NewReader(data), "bench.csv")
		if err != nil || ps != nil || len(got.Orders) != len(orders) {
			b.Fatal(err, ps, len(got.Orders))
		}
	}
	b.ReportMetric(float64(b.N*len(orders))/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkWriteJSONL(b *testing.B) {
	batch := sampleBatch(20000)
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteJSONL(&buf, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(b.N*batch.Len())/b.Elapsed().Seconds(), "records/s")
}
