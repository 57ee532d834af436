package web

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/entitle-portal/entitle"
)

// companyFilter reads the vendor's company filter of the entitlement list
// (issue 14): company=KEY, the entitlements on whose order that company
// holds any role. Whether the caller may use it is the gate's to decide
// (policy.FilterByCompany): the vendor only, anybody else gets 422.
func companyFilter(q *query, f *entitle.ListFilter) {
	co := q.str("company")
	if co == "" {
		return
	}
	if !entitle.ValidKey(co) {
		q.fail("company %q is not a company key (1–64 of A-Z a-z 0-9 . _ -)", clipParam(co))
	}
	f.Company = co
}

// orderHref is the Orders page of the order with PO number po placed by
// purchasing entity pe.
func orderHref(po, pe string) string {
	return "/orders?" + url.Values{"po": {po}, "purchasing_entity": {pe}}.Encode()
}

// auditFilter reads the audit trail's filters (issue 14): user (the
// actor's email, as recorded), action, object (a subscription ID, a PO
// number, …) and the dates from and to (inclusive, UTC). They narrow the
// events the caller may read; whose events those are stays
// policy.ReadAudit's (R7).
func auditFilter(q *query) entitle.AuditFilter {
	f := entitle.AuditFilter{Actor: strings.TrimSpace(q.str("user")), Action: strings.TrimSpace(q.str("action")), Object: strings.TrimSpace(q.str("object"))}
	for _, p := range []struct{ name, v string }{{"user", f.Actor}, {"action", f.Action}, {"object", f.Object}} {
		if len(p.v) > 320 || strings.IndexFunc(p.v, unicode.IsControl) >= 0 {
			q.fail("%s must be at most 320 characters, without control characters", p.name)
		}
	}
	for _, d := range []struct {
		name string
		dst  *entitle.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.str(d.name); s != "" {
			v, err := entitle.ParseDate(s)
			if err != nil {
				q.fail("%s must be a date such as 2026-01-31, not %q", d.name, clipParam(s))
			}
			*d.dst = v
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		q.fail("to (%s) is before from (%s)", f.To, f.From)
	}
	return f
}

// auditBinding is what the filters add to an audit cursor's binding.
func auditBinding(f entitle.AuditFilter) string {
	return bind("user="+f.Actor, "action="+f.Action, "object="+f.Object, "from="+f.From.String(), "to="+f.To.String())
}
