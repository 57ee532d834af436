package disclose

import (
	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// searched keeps the items (projected from ds, in order) that search s
// finds, each by the fields its own decision discloses
// (policy.SearchFields) and as projected — the store narrowed for speed;
// this is the check — and marks those a may pick for bulk delegation
// (policy.DelegateRow).
func searched(a entitle.Actor, ds []decided, items []Entitlement, s entitle.Search) []Entitlement {
	q := entitle.FoldSearch(s.Text)
	out := items[:0]
	for i, e := range items {
		if q != "" && !matches(e, policy.SearchFields(ds[i].Decision), q) {
			continue
		}
		e.Delegable = policy.DelegateRow(a, ds[i].Decision, ds[i].Entitlement.Owner).Allowed
		out = append(out, e)
	}
	return out
}

// matches reports whether folded text q occurs in one of e's fields of set
// f. The owner and the site are read from the projection: absent, they
// match nothing.
func matches(e Entitlement, f policy.Field, q string) bool {
	in := func(field policy.Field, v string) bool { return f.Has(field) && entitle.SearchMatches(v, q) }
	if in(policy.FieldSubscription, e.SubscriptionID) || in(policy.FieldSKU, e.SKU) || in(policy.FieldPO, e.PONumber) {
		return true
	}
	if e.Owner != nil && in(policy.FieldOwner, e.Owner.Name) {
		return true
	}
	return e.InstallationSite != nil && (in(policy.FieldSite, e.InstallationSite.Name) || in(policy.FieldSite, e.InstallationSite.Address))
}
