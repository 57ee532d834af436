package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

func exportCommand() command {
	return command{
		name:    "export",
		args:    "[--company KEY] [--format csv|jsonl] [--out FILE]",
		summary: "write exactly what one company may see",
		help: `Writes every entitlement the company may see, through the disclosure
rules, in subscription ID order: JSONL lines are the API's entitlement
objects (access included); CSV has one row per entitlement. Owner and
installation-site columns appear only for a company that may see them
(the owner, the vendor), and are empty on rows where it may not (R4).
Without --company, the vendor's view (everything). The export is audited.`,
		run: runExport,
	}
}

func runExport(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "company key whose view to export (default: the vendor)")
	format := f.String("format", "jsonl", "csv or jsonl")
	out := f.String("out", "", "write to FILE instead of standard output (replaced only when complete)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"export takes no arguments"}
	}
	if *format != "csv" && *format != "jsonl" {
		return errUsage{fmt.Sprintf("--format must be csv or jsonl, not %q", *format)}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	gate := wire(db, settings{now: e.now}).gate
	if *company == "" {
		if *company, err = db.VendorKey(ctx); err != nil {
			return err
		}
		if *company == "" {
			return errUsage{"no vendor company is recorded: name one with --company"}
		}
	}
	caller, err := gate.ActorFor(ctx, *company, "cli")
	if err != nil {
		return err
	}

	w := bufio.NewWriterSize(e.stdout, 64<<10)
	var tmp *os.File
	if *out != "" {
		if tmp, err = os.CreateTemp(filepath.Dir(*out), ".export-*"); err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		w = bufio.NewWriterSize(tmp, 64<<10)
	}
	var n int
	switch *format {
	case "jsonl":
		enc := json.NewEncoder(w)
		n, err = gate.Export(ctx, caller, entitle.ListFilter{}, func(x disclose.Entitlement) error { return enc.Encode(x) })
	case "csv":
		n, err = gate.ExportCSV(ctx, caller, entitle.ListFilter{}, w)
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote %d entitlements visible to %s to %s\n", n, *company, *out)
	}
	return nil
}
