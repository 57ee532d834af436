package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// The Orders page: a PO is looked up among the caller's company's own
// purchase orders (R3) and shows its order details (R2) — through
// disclose's Order, as the API's getOrder does. The vendor names the
// purchasing entity. Another company's PO and a PO that does not exist get
// the same 404 page, PO number aside (R7).

type ordersPage struct {
	PO, PE  string // as asked
	Asked   bool   // a lookup was made
	Problem string // why the lookup found nothing, next to the PO field
	PEError string // a purchasing entity that is no company key
	Order   *disclose.Order
	Ordered string // the order date's relative hint
	Basis   []string
	Lines   []orderLineRow
}

type orderLineRow struct {
	disclose.OrderLine
	Href string // the entitlement's page
}

// GET /orders, GET /orders?po=…[&purchasing_entity=…].
func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	q := newQuery(r, "po", "purchasing_entity", "done")
	data := ordersPage{PO: strings.TrimSpace(q.str("po")), PE: strings.TrimSpace(q.str("purchasing_entity"))}
	_, data.Asked = q.v["po"]
	v.Title, v.Data = "Orders", &data
	switch {
	case q.err != nil:
		data.Problem = q.err.Error()
	case !data.Asked:
		s.show(w, http.StatusOK, "orders", v)
		return nil
	case data.PO == "":
		data.Problem = "Enter the PO number of one of your company's purchase orders."
	case data.PE != "" && !entitle.ValidKey(data.PE):
		data.PEError = "“" + data.PE + "” is not a company key: use A-Z a-z 0-9 . _ - only."
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
		data.Problem = "No order with PO number " + data.PO + " among your company's purchase orders."
		if data.PE != "" && data.PE != c.Company {
			data.Problem = "No order with PO number " + data.PO + " among the purchase orders of " + data.PE + "."
		}
		v.Title = "Order not found"
		s.show(w, http.StatusNotFound, "orders", v)
		return nil
	}
	if err != nil {
		return err
	}
	data.Order, data.Ordered = &o, relDays(o.OrderDate, v.Today)
	for _, b := range o.Access {
		data.Basis = append(data.Basis, basisWords(b))
	}
	for _, l := range o.Lines {
		data.Lines = append(data.Lines, orderLineRow{OrderLine: l, Href: "/entitlements/" + url.PathEscape(l.SubscriptionID)})
	}
	v.Title = "Order " + o.PONumber
	s.show(w, http.StatusOK, "orders", v)
	return nil
}
