package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/importer"
)

func importCommand() command {
	return command{
		name:    "import",
		args:    "[--dry-run] [--progress] FILE...",
		summary: "import companies, MSAs, orders and prices from the ERP (.jsonl or .csv)",
		help: `Reads every FILE (JSONL records of type company, msa, order and price;
or CSV orders, one row per order line — see the README), checks every record
against SPEC §2 and the database, and writes them all in one transaction:
all or nothing. Importing the same files again changes nothing.

When anything is wrong, every problem is printed as FILE:LINE: FIELD:
MESSAGE, the command exits with status 1 and the database is unchanged.
On a terminal, long imports show a progress bar; otherwise the outcome is
one JSON object on standard output. With --progress, progress is written
as plain lines on standard error instead (for logs and scripts): one when
each file is read, one when checking starts, one per 1,000 records written
(or per round of writes on PostgreSQL), the last one just before the
commit. Nothing is visible to anyone before the commit.`,
		run: runImport,
	}
}

// importSummary is the machine-readable outcome of an import.
type importSummary struct {
	OK       bool     `json:"ok"`
	Files    []string `json:"files"`
	Records  int      `json:"records"`
	Problems int      `json:"problems"`
	entitle.ImportResult
}

func runImport(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	dryRun := f.Bool("dry-run", false, "validate only; write nothing")
	progress := f.Bool("progress", false, "write progress as plain lines on standard error (instead of a progress bar)")
	files, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errUsage{"name at least one file to import"}
	}
	tty := isTerminal(e.stderr)
	bars := tty && !*progress

	// Read every file, gathering every problem. The orders are not held:
	// the import reads them again from the open file as it writes them.
	var batch entitle.Batch
	var problems entitle.Problems
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		defer fh.Close()
		var r io.Reader = fh
		if st, err := fh.Stat(); err == nil && bars && st.Size() > 4<<20 {
			bar := progressbar.DefaultBytes(st.Size(), "reading "+name)
			r = io.TeeReader(fh, bar)
			defer bar.Finish()
		}
		b, ps, err := importer.Stream(r, name, func() (io.Reader, error) {
			_, err := fh.Seek(0, io.SeekStart)
			return fh, err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		batch.Companies = append(batch.Companies, b.Companies...)
		batch.MSAs = append(batch.MSAs, b.MSAs...)
		batch.Prices = append(batch.Prices, b.Prices...)
		batch.Orders = append(batch.Orders, b.Orders...)
		batch.Streams = append(batch.Streams, b.Streams...)
		problems = append(problems, ps...)
		if *progress {
			fmt.Fprintf(e.stderr, "entitle import: read %d records from %s\n", b.Len(), name)
		}
	}

	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	opt := entitle.ImportOptions{DryRun: *dryRun || len(problems) > 0, Actor: "cli", Exclusive: true}
	if bars && batch.Len() > 5000 {
		fmt.Fprintf(e.stderr, "checking %d records against each other and the database…\n", batch.Len())
		bar := progressbar.Default(int64(batch.Len()), "writing")
		opt.Progress = func(done, total int) { bar.Set(done) }
		defer bar.Finish()
	}
	if *progress {
		fmt.Fprintf(e.stderr, "entitle import: checking %d records against each other and the database\n", batch.Len())
		end := "committing"
		if opt.DryRun {
			end = "rolling back (dry run)"
		}
		opt.Progress = func(done, total int) {
			if done < total {
				fmt.Fprintf(e.stderr, "entitle import: written %d of %d records\n", done, total)
			} else {
				fmt.Fprintf(e.stderr, "entitle import: written %d of %d records; %s\n", done, total, end)
			}
		}
	}
	res, more, err := db.Import(ctx, batch, opt, e.now())
	if err != nil {
		return err
	}
	problems = append(problems, more...)
	slices.SortStableFunc(problems, func(a, b entitle.Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	sum := importSummary{OK: len(problems) == 0, Files: files, Records: batch.Len(), Problems: len(problems), ImportResult: res}
	sum.DryRun = *dryRun
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.stderr, p.String())
		}
		fmt.Fprintf(e.stderr, "entitle import: %d problem%s; nothing was imported\n", len(problems), plural(len(problems)))
		if !tty {
			json.NewEncoder(e.stdout).Encode(sum)
		}
		return errSilent
	}
	if !isTerminal(e.stdout) {
		return json.NewEncoder(e.stdout).Encode(sum)
	}
	verb := "Imported"
	if *dryRun {
		verb = "Checked (dry run, nothing written)"
	}
	fmt.Fprintf(e.stdout, "%s %d records from %s:\n", verb, batch.Len(), strings.Join(files, ", "))
	for _, line := range []struct {
		what string
		c    entitle.Counts
	}{{"companies", res.Companies}, {"MSAs", res.MSAs}, {"orders", res.Orders}, {"prices", res.Prices}} {
		fmt.Fprintf(e.stdout, "  %-13s %d new, %d updated, %d unchanged\n", line.what, line.c.Created, line.c.Updated, line.c.Unchanged)
	}
	fmt.Fprintf(e.stdout, "  %-13s %d new\n", "entitlements", res.Entitlements)
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
