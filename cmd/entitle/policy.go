package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/entitle-portal/entitle/internal/policy"
)

func policyCommand() command {
	return command{
		name:    "policy",
		args:    "",
		summary: "print the disclosure rules as a table",
		help: `Prints what a company gets on each basis, for each way of asking, as
computed by the policy code itself (not a hand-written copy), followed by
the rules R1–R8 it applies and the co-worker, lifecycle and vendor rules.`,
		run: runPolicy,
	}
}

func runPolicy(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"policy takes no arguments"}
	}
	fmt.Fprintln(e.stdout, "What a company sees, by its basis and the way it asks (views: entitlement = entitlement information,")
	fmt.Fprintln(e.stdout, "order = order details, owner = owner & location, partner = the partner of record who sold it;")
	fmt.Fprintln(e.stdout, "- = not found). Each cell is what the answer carries, field for field:")
	fmt.Fprintln(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "basis\tlist\tget by subscription ID\tentitlements by PO number\torder details by PO number\t")
	row := map[string][]string{}
	var order []string
	for _, cell := range policy.Table() {
		b := string(cell.Basis)
		if b == "" {
			b = "(none)"
		}
		if _, ok := row[b]; !ok {
			order = append(order, b)
		}
		v := "-"
		if cell.Decision.Allowed {
			v = cell.Decision.Views.String()
		}
		row[b] = append(row[b], v)
	}
	for _, b := range order {
		fmt.Fprintf(tw, "%s\t%s\t\n", b, strings.Join(row[b], "\t"))
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
	fmt.Fprintln(e.stdout, "Delegations (R5): only administrators of the owner company grant or revoke; a delegate cannot re-delegate.")
	fmt.Fprintln(e.stdout, "Who has access and why (R8): the owner and the vendor may ask; another company that sees the")
	fmt.Fprintln(e.stdout, "entitlement is refused (forbidden), one that does not see it finds nothing (R7).")
	fmt.Fprintln(e.stdout)
	for _, r := range policy.Rules {
		fmt.Fprintf(e.stdout, "%s  %s\n", r.ID, wrap(r.Text, 92, "    "))
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintln(e.stdout, "Co-workers (C), the entitlement lifecycle (L), the fields of shared views (F) and the vendor's pages (V):")
	fmt.Fprintln(e.stdout)
	for _, r := range policy.MoreRules {
		fmt.Fprintf(e.stdout, "%s  %s\n", r.ID, wrap(r.Text, 92, "    "))
	}
	return nil
}

// wrap breaks text into lines of at most width, indenting the next lines.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && n+1+len(w) > width {
			b.WriteString("\n" + indent)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
