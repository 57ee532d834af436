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
}

// section is one table of a digest: the entitlements the recipient owns, or
// those it sold (it is their partner of record).
type section struct {
	Intro    string
	Rows     []row
	More     int  // rows not listed (beyond maxListed)
	Site     bool // the Site column: owner & location, shown to the owner only
	Renewals []string
}

type row struct {
	SubscriptionID, SKU, PONumber, EndDate, Site string
	Quantity                                     int64
	DaysLeft                                     int
}

var digestHTML = template.Must(template.New("digest").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello,</p>
{{- range $s := .Sections}}{{if $s.Rows}}
<p>{{$s.Intro}}</p>
<table style="border-collapse: collapse" cellpadding="4">
<thead><tr style="text-align: left"><th scope="col">Subscription</th><th scope="col">SKU</th><th scope="col">Quantity</th><th scope="col">End date</th><th scope="col">Days left</th><th scope="col">PO number</th>{{if $s.Site}}<th scope="col">Site</th>{{end}}</tr></thead>
<tbody>
{{- range $s.Rows}}
<tr><td>{{.SubscriptionID}}</td><td>{{.SKU}}</td><td style="text-align: right">{{.Quantity}}</td><td>{{.EndDate}}</td><td style="text-align: right">{{.DaysLeft}}</td><td>{{.PONumber}}</td>{{if $s.Site}}<td>{{.Site}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- if $s.More}}
<p>… and {{$s.More}} more, listed in the portal.</p>
{{- end}}
{{- range $s.Renewals}}
<p>{{.}}</p>
{{- end}}
{{- end}}{{end}}
{{- if .Link}}
<p><a href="{{.Link}}">See them on the {{.Portal}}</a></p>
{{- end}}
<p style="color: #555">You receive this reminder as an administrator of {{.Company}} on the {{.Portal}}.</p>
</body></html>
`))

// Sections lists the digest's sections in order.
func (d digestMail) Sections() []section { return []section{d.Owned, d.Sold} }

// message composes the digest of lines for admins.
func (r *run) message(ctx context.Context, k key, lines []line, admins []string) (mail.Message, error) {
	company, err := r.name(ctx, k.company)
	if err != nil {
		return mail.Message{}, err
	}
	portal, vendorName := "entitlement portal", "the vendor"
	if vendor, err := r.Store.VendorKey(ctx); err == nil && vendor != "" {
		if n, err := r.name(ctx, vendor); err == nil {
			portal, vendorName = n+" entitlement portal", n
		}
	}
	slices.SortFunc(lines, func(a, b line) int {
		return cmp.Or(cmp.Compare(a.EndDate.String(), b.EndDate.String()), cmp.Compare(a.SubscriptionID, b.SubscriptionID))
	})

	d := digestMail{Company: company, Portal: portal, Link: strings.TrimSuffix(r.BaseURL, "/"), Stage: k.stage}
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
			var p Partner
			if sv := l.e.SoldVia; sv != nil {
				p = Partner{Key: sv.Key, Name: sv.Name}
			}
			renew[p] = append(renew[p], l.SubscriptionID)
		} else {
			sold = append(sold, l)
		}
	}
	within := fmt.Sprintf("within %d %s", k.stage, days(k.stage))
	if len(owned) > 0 {
		d.Owned = r.section(owned, fmt.Sprintf("%s of %s %s %s:", count(len(owned), "entitlement"), company, verb(len(owned)), within))
		d.Owned.Renewals = renewals(renew, len(owned), vendorName)
	}
	if len(sold) > 0 {
		d.Sold = r.section(sold, fmt.Sprintf("%s for which %s is the partner of record %s %s. "+
			"Their owners are reminded too, and told that you can renew them:", count(len(sold), "entitlement"), company, verb(len(sold)), within))
	}

	var html strings.Builder
	if err := digestHTML.Execute(&html, d); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		To:      admins,
		Subject: fmt.Sprintf("%s %s %s", count(len(lines), "entitlement"), verb(len(lines)), within),
		Text:    d.text(),
		HTML:    html.String(),
		Headers: map[string]string{"X-Entitle-Notice": "expiry; stage=" + strconv.Itoa(k.stage)},
	}, nil
}

func verb(n int) string {
	if n == 1 {
		return "expires"
	}
	return "expire"
}

// section makes the table of lines, listing at most maxListed.
func (r *run) section(lines []line, intro string) section {
	s := section{Intro: intro}
	for i, l := range lines {
		if i == maxListed {
			s.More = len(lines) - i
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
func renewals(renew map[Partner][]string, owned int, vendor string) []string {
	ps := make([]Partner, 0, len(renew))
	for p := range renew {
		ps = append(ps, p)
	}
	name := func(p Partner) string {
		if p.Key == "" {
			return vendor
		}
		return p.Name
	}
	slices.SortFunc(ps, func(a, b Partner) int { return cmp.Or(cmp.Compare(name(a), name(b)), cmp.Compare(a.Key, b.Key)) })
	var out []string
	for _, p := range ps {
		subs, n := renew[p], name(p)
		switch {
		case len(subs) == owned && p.Key != "":
			out = append(out, fmt.Sprintf("Your partner of record, %s, can renew %s.", n, them(owned)))
		case len(subs) == owned:
			out = append(out, fmt.Sprintf("You bought %s directly: %s can renew %s.", them(owned), n, them(owned)))
		case p.Key != "":
			out = append(out, fmt.Sprintf("Your partner of record %s can renew %s.", n, list(subs)))
		default:
			out = append(out, fmt.Sprintf("%s can renew %s, which you bought directly.", n, list(subs)))
		}
	}
	return out
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// list names subscriptions: "S-1, S-2 and S-3", at most 20, then a count.
func list(subs []string) string {
	const most = 20
	if len(subs) > most {
		return strings.Join(subs[:most], ", ") + fmt.Sprintf(" and %d more", len(subs)-most)
	}
	if len(subs) == 1 {
		return subs[0]
	}
	return strings.Join(subs[:len(subs)-1], ", ") + " and " + subs[len(subs)-1]
}

// text is the plain-text part: the same as the HTML, tables aligned.
func (d digestMail) text() string {
	var b strings.Builder
	b.WriteString("Hello,\n")
	for _, s := range d.Sections() {
		if len(s.Rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n\n", s.Intro)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		head := "Subscription\tSKU\tQuantity\tEnd date\tDays left\tPO number"
		if s.Site {
			head += "\tSite"
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
			fmt.Fprintf(&b, "… and %d more, listed in the portal.\n", s.More)
		}
		for _, r := range s.Renewals {
			fmt.Fprintf(&b, "\n%s\n", r)
		}
	}
	if d.Link != "" {
		fmt.Fprintf(&b, "\nSee them on the %s:\n%s\n", d.Portal, d.Link)
	}
	fmt.Fprintf(&b, "\nYou receive this reminder as an administrator of %s on the %s.\n", d.Company, d.Portal)
	return b.String()
}
