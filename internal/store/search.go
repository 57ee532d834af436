package store

import (
	"strings"

	"github.com/entitle-portal/entitle"
)

// The list's text search (entitle.Search): a condition on the rows of each
// branch of List, read within the branch's index range (a search narrows
// the company's own rows; it never reads another's). Subscription ID, SKU
// and PO number match on every row; the owner's name and the installation
// site only on the rows of the bases the policy named (Search.OwnerBases).
// The gate checks every row again against its decision.

// searchNames is how a branch of List says which of its rows may be matched
// by owner name and site: always, never, or by a role bit of its
// entitlement_access row.
type searchNames struct {
	cond string
	args []any
}

var (
	namesNever  = searchNames{cond: "0 = 1"}
	namesAlways = searchNames{cond: "1 = 1"}
)

// namesOn returns searchNames for a branch of basis b (the vendor's, or a
// delegation's): always when the policy named b, never otherwise.
func namesOn(s entitle.Search, b entitle.Basis) searchNames {
	if s.OwnerBases.Has(b) {
		return namesAlways
	}
	return namesNever
}

// namesByRole returns searchNames for the roles branch: the rows on which
// the company holds a role the policy named.
func namesByRole(s entitle.Search) searchNames {
	var bits int64
	for _, b := range s.OwnerBases.List() {
		bits |= roleBits[entitle.Role(b)]
	}
	if bits == 0 {
		return namesNever
	}
	return searchNames{cond: "(a.roles & ?) <> 0", args: []any{bits}}
}

// searchSQL returns the condition of search s on the entitlements e of a
// branch, names saying where owner name and site may match ("" when s is
// empty).
func searchSQL(s entitle.Search, names searchNames) (string, []any) {
	if s.Text == "" {
		return "", nil
	}
	like := "%" + likeEscaper.Replace(entitle.FoldSearch(s.Text)) + "%"
	m := func(col string) string { return `lower(` + col + `) LIKE lower(?) ESCAPE '\'` }
	cond := ` AND (` + m("e.subscription_id") + ` OR ` + m("e.sku") + ` OR ` + m("e.po_number") +
		` OR (` + names.cond + ` AND (EXISTS (SELECT 1 FROM companies sc WHERE sc.id = e.owner_id AND ` + m("sc.name") + `)` +
		` OR EXISTS (SELECT 1 FROM orders so WHERE so.id = e.order_id AND so.owner_id = e.owner_id AND (` +
		m("so.site_name") + ` OR ` + m("so.site_address") + `)))))`
	args := append([]any{like, like, like}, names.args...)
	return cond, append(args, like, like, like)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
