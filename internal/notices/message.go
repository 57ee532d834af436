package notices

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/mail"
)

// maxListed bounds the rows of one table of a digest; the rest are counted
// and found in the portal. (The first run on a large channel can owe a big
// distributor thousands of notices at once.)
const maxListed = 1000

// digestMail is what a digest says, for the text and HTML templates.
type digestMail struct {
	Company, Portal, Link string
	Stage                 int
	Owned, Sold           section
	L                     labels
}

// labels are a digest's fixed words in its reader's language.
type labels struct {
	Hello, Subscription, SKU, Quantity, EndDate, DaysLeft, PONumber, Site, See, Why string
}

// section is one table of a digest: the entitlements the recipient owns, or
// those it sold (it is their partner of record).
type section struct {
	Intro    string
	Rows     []row
	More     int    // rows not listed (beyond maxListed)
	MoreText string // what says so
	Site     bool   // the Site column: owner & location, shown to the owner only
	Renewals []string
}

type row struct {
	SubscriptionID, SKU, PONumber, EndDate, Site string
	Quantity                                     int64
	DaysLeft                                     int
}

var digestHTML = template.Must(template.New("digest").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>{{.L.Hello}}</p>
{{- range $s := .Sections}}{{if $s.Rows}}
<p>{{$s.Intro}}</p>
<table style="border-collapse: collapse" cellpadding="4">
<thead><tr style="text-align: left"><th scope="col">{{$.L.Subscription}}</th><th scope="col">{{$.L.SKU}}</th><th scope="col">{{$.L.Quantity}}</th><th scope="col">{{$.L.EndDate}}</th><th scope="col">{{$.L.DaysLeft}}</th><th scope="col">{{$.L.PONumber}}</th>{{if $s.Site}}<th scope="col">{{$.L.Site}}</th>{{end}}</tr></thead>
<tbody>
{{- range $s.Rows}}
<tr><td>{{.SubscriptionID}}</td><td>{{.SKU}}</td><td style="text-align: right">{{.Quantity}}</td><td>{{.EndDate}}</td><td style="text-align: right">{{.DaysLeft}}</td><td>{{.PONumber}}</td>{{if $s.Site}}<td>{{.Site}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- if $s.More}}
<p>{{$s.MoreText}}</p>
{{- end}}
{{- range $s.Renewals}}
<p>{{.}}</p>
{{- end}}
{{- end}}{{end}}
{{- if .Link}}
<p><a href="{{.Link}}">{{.L.See}}</a></p>
{{- end}}
<p style="color: #555">{{.L.Why}}</p>
</body></html>
`))

// Sections lists the digest's sections in order.
func (d digestMail) Sections() []section { return []section{d.Owned, d.Sold} }

// messages composes the digest of lines for its recipients: one message
// per language they read (i18n.Audiences), each in its language.
func (r *run) messages(ctx context.Context, k key, lines []line, to []entitle.Recipient) ([]mail.Message, error) {
	company, err := r.name(ctx, k.company)
	if err != nil {
		return nil, err
	}
	vendorName := ""
	if vendor, err := r.Store.VendorKey(ctx); err == nil && vendor != "" {
		if n, err := r.name(ctx, vendor); err == nil {
			vendorName = n
		}
	}
	slices.SortFunc(lines, func(a, b line) int {
		return cmp.Or(cmp.Compare(a.EndDate.String(), b.EndDate.String()), cmp.Compare(a.SubscriptionID, b.SubscriptionID))
	})
	var out []mail.Message
	for _, a := range i18n.Audiences(to) {
		m, err := r.message(i18n.For(a.Lang), k, company, vendorName, lines)
		if err != nil {
			return nil, err
		}
		m.To = a.To
		out = append(out, m)
	}
	return out, nil
}

// message composes the digest of lines (sorted) in p's language, without
// its addressees.
func (r *run) message(p *i18n.Printer, k key, company, vendorName string, lines []line) (mail.Message, error) {
	portal, vendor := p.T("mail.portal_plain"), p.T("mail.vendor_plain")
	if vendorName != "" {
		portal, vendor = p.T("mail.portal", "Vendor", vendorName), vendorName
	}
	d := digestMail{Company: company, Portal: portal, Link: strings.TrimSuffix(r.BaseURL, "/"), Stage: k.stage,
		L: labels{Hello: p.T("mail.hello"), Subscription: p.T("notices.subscription"), SKU: p.T("notices.sku"),
			Quantity: p.T("notices.quantity"), EndDate: p.T("notices.end_date"), DaysLeft: p.T("notices.days_left"),
			PONumber: p.T("notices.po_number"), Site: p.T("notices.site"), See: p.T("notices.see", "Portal", portal),
			Why: p.T("notices.why", "Company", company, "Portal", portal)}}
	if d.Link != "" {
		d.Link += "/"
	}
	// Who can renew what, for the owner: the partner of record as the gate
	// shows it to the owner (sold via), else the vendor.
	renew := map[Partner][]string{}
	var owned, sold []line
	for _, l := range lines {
		if l.owner {
			owned = append(owned, l)
			var pa Partner
			if sv := l.e.SoldVia; sv != nil {
				pa = Partner{Key: sv.Key, Name: sv.Name}
			}
			renew[pa] = append(renew[pa], l.SubscriptionID)
		} else {
			sold = append(sold, l)
		}
	}
	within := p.N("notices.within", k.stage)
	if len(owned) > 0 {
		d.Owned = r.section(p, owned, p.N("notices.owned", len(owned), "Company", company, "Within", within))
		d.Owned.Renewals = renewals(p, renew, len(owned), vendor)
	}
	if len(sold) > 0 {
		d.Sold = r.section(p, sold, p.N("notices.sold", len(sold), "Company", company, "Within", within))
	}

	var html strings.Builder
	if err := digestHTML.Execute(&html, d); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		Subject: p.N("notices.subject", len(lines), "Within", within),
		Text:    d.text(),
		HTML:    html.String(),
		Headers: map[string]string{"X-Entitle-Notice": "expiry; stage=" + strconv.Itoa(k.stage)},
	}, nil
}

// section makes the table of lines, listing at most maxListed.
func (r *run) section(p *i18n.Printer, lines []line, intro string) section {
	s := section{Intro: intro}
	for i, l := range lines {
		if i == maxListed {
			s.More = len(lines) - i
			s.MoreText = p.N("notices.more", s.More)
			break
		}
		e := l.e
		site := "" // owner & location: only where the gate shows it (R4)
		if e.InstallationSite != nil {
			site = e.InstallationSite.Name
		}
		s.Rows = append(s.Rows, row{SubscriptionID: e.SubscriptionID, SKU: e.SKU, Quantity: e.Quantity, EndDate: e.EndDate.String(),
			DaysLeft: r.today.DaysUntil(e.EndDate), PONumber: e.PONumber, Site: site})
		s.Site = s.Site || site != ""
	}
	return s
}

// Partner is a partner of record named in a digest; the zero Partner is
// none (bought directly from the vendor).
type Partner struct{ Key, Name string }

// renewals tells the owner who can renew what: each partner of record (the
// owner may know who sold to it), and the vendor for direct purchases.
func renewals(p *i18n.Printer, renew map[Partner][]string, owned int, vendor string) []string {
	ps := make([]Partner, 0, len(renew))
	for pa := range renew {
		ps = append(ps, pa)
	}
	name := func(pa Partner) string {
		if pa.Key == "" {
			return vendor
		}
		return pa.Name
	}
	slices.SortFunc(ps, func(a, b Partner) int { return cmp.Or(cmp.Compare(name(a), name(b)), cmp.Compare(a.Key, b.Key)) })
	var out []string
	for _, pa := range ps {
		subs, n := renew[pa], name(pa)
		switch {
		case len(subs) == owned && pa.Key != "":
			out = append(out, p.N("notices.por_renews_all", owned, "Partner", n))
		case len(subs) == owned:
			out = append(out, p.N("notices.vendor_renews_all", owned, "Vendor", n))
		case pa.Key != "":
			out = append(out, p.T("notices.por_renews_partial", "Partner", n, "List", list(p, subs)))
		default:
			out = append(out, p.T("notices.vendor_renews_partial", "Vendor", n, "List", list(p, subs)))
		}
	}
	return out
}

// list names subscriptions: "S-1, S-2 and S-3", at most 20, then a count.
func list(p *i18n.Printer, subs []string) string {
	const most = 20
	if len(subs) > most {
		return p.T("notices.and_more", "List", strings.Join(subs[:most], ", "), "Count", len(subs)-most)
	}
	if len(subs) == 1 {
		return subs[0]
	}
	return p.T("notices.and", "List", strings.Join(subs[:len(subs)-1], ", "), "Last", subs[len(subs)-1])
}

// text is the plain-text part: the same as the HTML, tables aligned.
func (d digestMail) text() string {
	var b strings.Builder
	b.WriteString(d.L.Hello + "\n")
	for _, s := range d.Sections() {
		if len(s.Rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n\n", s.Intro)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		head := strings.Join([]string{d.L.Subscription, d.L.SKU, d.L.Quantity, d.L.EndDate, d.L.DaysLeft, d.L.PONumber}, "\t")
		if s.Site {
			head += "\t" + d.L.Site
		}
		fmt.Fprintln(tw, head)
		for _, r := range s.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s", r.SubscriptionID, r.SKU, r.Quantity, r.EndDate, r.DaysLeft, r.PONumber)
			if s.Site {
				fmt.Fprintf(tw, "\t%s", r.Site)
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
		if s.More > 0 {
			fmt.Fprintf(&b, "%s\n", s.MoreText)
		}
		for _, r := range s.Renewals {
			fmt.Fprintf(&b, "\n%s\n", r)
		}
	}
	if d.Link != "" {
		fmt.Fprintf(&b, "\n%s:\n%s\n", d.L.See, d.Link)
	}
	fmt.Fprintf(&b, "\n%s\n", d.L.Why)
	return b.String()
}
