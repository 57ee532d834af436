package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/importer"
)

func genCommand() command {
	return command{
		name:    "gen",
		args:    "[--scale S] [--seed N] [--today DATE] [--format jsonl|csv] --out FILE",
		summary: "generate the standard benchmark channel as an import file",
		help: `Writes the deterministic benchmark channel of BENCHMARK.md (scale 1.0:
52,050 companies, 200,000 orders, 400,000 entitlements) as an import file.
With --format csv the orders go to FILE and the companies and MSAs (which
CSV cannot carry) to FILE with .companies.jsonl appended; import both.
Delegations and users are not part of the import format and are not written.`,
		run: runGen,
	}
}

func runGen(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	scale := f.Float64("scale", 1.0, "multiplies every count")
	seed := f.Int64("seed", 1, "random seed")
	todayFlag := f.String("today", "", "date the data is spread around (default: today, UTC)")
	format := f.String("format", "jsonl", "jsonl or csv")
	out := f.String("out", "", "output file (required; - for standard output with jsonl)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"gen takes no arguments"}
	case *out == "":
		return errUsage{"missing --out"}
	case *scale <= 0 || *scale > 10:
		return errUsage{"--scale must be above 0 and at most 10"}
	case *format != "jsonl" && *format != "csv":
		return errUsage{"--format must be jsonl or csv"}
	case *format == "csv" && *out == "-":
		return errUsage{"csv needs --out FILE (it writes two files)"}
	}
	today := entitle.DateOf(e.now())
	if *todayFlag != "" {
		if today, err = entitle.ParseDate(*todayFlag); err != nil {
			return errUsage{"--today: " + err.Error()}
		}
	}
	ds := benchgen.Generate(benchgen.Config{Scale: *scale, Seed: *seed, Today: today})
	write := func(name string, fn func(w *bufio.Writer) error) error {
		if name == "-" {
			w := bufio.NewWriter(e.stdout)
			if err := fn(w); err != nil {
				return err
			}
			return w.Flush()
		}
		fh, err := os.Create(name)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(fh, 1<<20)
		if err := fn(w); err != nil {
			fh.Close()
			return err
		}
		if err := w.Flush(); err != nil {
			fh.Close()
			return err
		}
		return fh.Close()
	}
	if *format == "jsonl" {
		err = write(*out, func(w *bufio.Writer) error { return importer.WriteJSONL(w, ds.Batch) })
	} else {
		head := entitle.Batch{Companies: ds.Batch.Companies, MSAs: ds.Batch.MSAs}
		if err = write(*out+".companies.jsonl", func(w *bufio.Writer) error { return importer.WriteJSONL(w, head) }); err == nil {
			orders := make([]entitle.Order, len(ds.Batch.Orders))
			for i, o := range ds.Batch.Orders {
				orders[i] = o.Record
			}
			err = write(*out, func(w *bufio.Writer) error { return importer.WriteOrdersCSV(w, orders) })
		}
	}
	if err != nil {
		return err
	}
	entitlements := 0
	for _, o := range ds.Batch.Orders {
		entitlements += len(o.Record.Lines)
	}
	files := *out
	if *format == "csv" {
		files = strings.Join([]string{*out + ".companies.jsonl", *out}, " and ")
	}
	fmt.Fprintf(e.stderr, "wrote %d companies, %d MSAs, %d orders (%d entitlements) to %s\n",
		len(ds.Batch.Companies), len(ds.Batch.MSAs), len(ds.Batch.Orders), entitlements, files)
	return nil
}
