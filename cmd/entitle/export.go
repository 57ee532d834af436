package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

func exportCommand() command {
	return command{
		name:    "export",
		args:    "[--company KEY] [--format csv|jsonl] [--out FILE | FILE]",
		summary: "write exactly what one company may see",
		help: `Writes every entitlement the company may see, through the disclosure
rules, in subscription ID order: JSONL lines are the API's entitlement
objects (access included); CSV has one row per entitlement. Owner and
installation-site columns appear only for a company that may see them
(the owner, the vendor), and are empty on rows where it may not (R4).
Without --company, the vendor's view (everything). The export is audited.

The file may be given with --out or alone (entitle export view.csv). Its
name picks the format: .csv writes CSV, .jsonl or .json JSONL; --format
says it for standard output or any other name, and must agree with a
.csv, .jsonl or .json name. Without either, JSONL.`,
		run: runExport,
	}
}

func runExport(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "company key whose view to export (default: the vendor)")
	format := f.String("format", "", "csv or jsonl (default: from the file's name, else jsonl)")
	out := f.String("out", "", "write to FILE instead of standard output (replaced only when complete)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 1:
		return errUsage{fmt.Sprintf("export writes one file, not %d", len(pos))}
	case len(pos) == 1 && *out != "":
		return errUsage{fmt.Sprintf("the file is named twice: --out %s and %s", *out, pos[0])}
	case len(pos) == 1:
		*out = pos[0]
	}
	if *format, err = exportFormat(*format, *out); err != nil {
		return err
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

// exportFormat is the format an export writes: --format when given, else
// the one the file's name says (.csv, .jsonl, .json), else JSONL. A
// --format that contradicts the name is refused: a file named .csv that
// holds JSONL is what this guards against.
func exportFormat(flag, out string) (string, error) {
	byName := map[string]string{".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}[strings.ToLower(filepath.Ext(out))]
	switch {
	case flag != "" && flag != "csv" && flag != "jsonl":
		return "", errUsage{fmt.Sprintf("--format must be csv or jsonl, not %q", flag)}
	case flag != "" && byName != "" && flag != byName:
		return "", errUsage{fmt.Sprintf("--format %s, but %s is named as %s: rename the file or leave --format out", flag, out, byName)}
	case flag != "":
		return flag, nil
	case byName != "":
		return byName, nil
	}
	return "jsonl", nil
}
