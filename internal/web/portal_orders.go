package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The Orders page: a PO is looked up among the caller's company's own
// purchase orders (R3) and shows its order details (R2) — through
// disclose's Order, as the API's getOrder does. The vendor names the
// purchasing entity. Another company's PO and a PO that does not exist get
// the same 404 page, PO number aside (R7).

type ordersPage struct {
	// The list of the company's orders (issue 14), when no PO is looked up.
	List    *orderList
	PO, PE  string // as asked
	Asked   bool   // a lookup was made
	Problem string // why the lookup found nothing, next to the PO field
	PEError string // a purchasing entity that is no company key
	Order   *disclose.Order
	Ordered string // the order date's relative hint
	Basis   []string
	Because string // Basis as one clause ("… and …")
	Lines   []orderLineRow
}

type orderLineRow struct {
	disclose.OrderLine
	Href string // the entitlement's page
}

// GET /orders, GET /orders?po=…[&purchasing_entity=…]: the lookup;
// without po, the list of the company's orders (orderList).
func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	q := newQuery(r, "po", "purchasing_entity", "done", "po_prefix", "ordered_from", "ordered_to", "cursor")
	data := ordersPage{PO: strings.TrimSpace(q.str("po")), PE: strings.TrimSpace(q.str("purchasing_entity"))}
	_, data.Asked = q.v["po"]
	p := i18n.For(v.Lang)
	v.Title, v.Data = p.T("orders.title"), &data
	switch {
	case q.err != nil:
		data.Problem = q.err.Error()
	case !data.Asked:
		return s.ordersList(w, r, c, v, q, &data)
	case data.PO == "":
		data.Problem = p.T("orders.enter_po")
	case data.PE != "" && !entitle.ValidKey(data.PE):
		data.PEError = p.T("orders.not_a_key", "Key", data.PE)
		if !c.Vendor { // the field is the vendor's: say it by the PO field
			data.Problem = "purchasing_entity: " + data.PEError
		}
	}
	if data.Problem != "" || data.PEError != "" {
		s.show(w, http.StatusUnprocessableEntity, "orders", v)
		return nil
	}
	o, err := s.cfg.Gate.Order(r.Context(), c, data.PO, data.PE)
	var e *entitle.Error
	if errors.As(err, &e) && e.Code == codeNotFound {
		data.Problem = p.T("orders.not_found", "PO", data.PO)
		if data.PE != "" && data.PE != c.Company {
			data.Problem = p.T("orders.not_found_of", "PO", data.PO, "Company", data.PE)
		}
		v.Title = p.T("orders.not_found_title")
		s.show(w, http.StatusNotFound, "orders", v)
		return nil
	}
	if err != nil {
		return err
	}
	data.Order, data.Ordered = &o, relDaysIn(p, o.OrderDate, v.Today)
	for _, b := range o.Access {
		data.Basis = append(data.Basis, basisWordsIn(p, b))
	}
	data.Because = joinAnd(p, data.Basis)
	for _, l := range o.Lines {
		data.Lines = append(data.Lines, orderLineRow{OrderLine: l, Href: "/entitlements/" + url.PathEscape(l.SubscriptionID)})
	}
	v.Title = p.T("orders.order", "PO", o.PONumber)
	s.show(w, http.StatusOK, "orders", v)
	return nil
}

// orderList is the Orders page's list: the company's orders newest first,
// each with its lines and total, filtered and paged (issue 14).
type orderList struct {
	Orders                 []orderView
	POPrefix, From, To, PE string // the filters as asked
	Problem                string // a filter that could not be read
	Filtered, Paged        bool
	Next, First, CSV       string
}

// orderView is a listed order with its page and its lines' pages.
type orderView struct {
	disclose.Order
	Href  string
	Lines []orderLineRow
}

func (s *Server) ordersList(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, q *query, data *ordersPage) error {
	l := &orderList{POPrefix: strings.TrimSpace(q.str("po_prefix")), From: q.str("ordered_from"), To: q.str("ordered_to"), PE: data.PE}
	data.List = l
	f := orderFilter(q, "po_prefix")
	if q.err != nil {
		l.Problem = q.err.Error()
		s.show(w, http.StatusUnprocessableEntity, "orders", v)
		return nil
	}
	bound := orderBinding(c.Company, f)
	after, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	page, err := s.cfg.Gate.Orders(r.Context(), c, after, defaultOrderLimit, f)
	if err != nil {
		return err
	}
	for _, o := range page.Items {
		ov := orderView{Order: o, Href: orderHref(o.PONumber, o.PurchasingEntity.Key)}
		for _, ln := range o.Lines {
			ov.Lines = append(ov.Lines, orderLineRow{OrderLine: ln, Href: "/entitlements/" + url.PathEscape(ln.SubscriptionID)})
		}
		l.Orders = append(l.Orders, ov)
	}
	filters := url.Values{}
	for k, val := range map[string]string{"po_prefix": l.POPrefix, "ordered_from": l.From, "ordered_to": l.To, "purchasing_entity": l.PE} {
		if val != "" {
			filters.Set(k, val)
		}
	}
	l.Filtered, l.Paged = len(filters) > 0, after != ""
	l.First, l.CSV = withQuery("/orders", filters), withQuery("/orders.csv", filters)
	if page.Next != "" {
		filters.Set("cursor", s.sealCursor(page.Next, bound))
		l.Next = withQuery("/orders", filters)
	}
	s.show(w, http.StatusOK, "orders", v)
	return nil
}

// GET /orders.csv: the orders of the list (with its filters), one row per
// line with its price (R2); audited as an export.
func (s *Server) ordersCSV(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	q := newQuery(r, "po_prefix", "ordered_from", "ordered_to", "purchasing_entity")
	f := orderFilter(q, "po_prefix")
	if q.err != nil {
		return q.err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="orders-`+c.Company+`-`+v.Today.String()+`.csv"`)
	_, err := s.cfg.Gate.ExportOrdersCSV(r.Context(), c, f, w)
	return err
}
