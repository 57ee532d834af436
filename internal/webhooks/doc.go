// Package webhooks tells companies' systems what changed, as it happens:
// signed HTTP POSTs to endpoints the vendor's operator configures per
// company (`entitle webhook add`) or a company's administrators add for
// their own company (Manager: the API and the portal's Webhooks page, with
// a stricter URL guard), retried with backoff, each carrying only
// what the receiving company may know under the disclosure rules — the same
// projection the API gives that company.
//
// # Endpoints
//
// An endpoint belongs to one company: a URL (https, except for localhost or
// with --allow-http), the event types it receives ("all" by default) and a
// signing secret ("whsec_" and 256 random bits in hexadecimal), printed once
// when the endpoint is added. The secret must be stored as it is — signing
// needs it, so unlike tokens it cannot be kept hashed: whoever reads the
// database can sign. It is erased when the endpoint is removed; to rotate
// it, add a second endpoint to the same URL, switch the receiver, remove the
// first. Adding, removing and pinging are audited.
//
// # The outbox
//
// Every change that has an event writes it in its own write transaction
// (store.appendEvent): no change commits without its event, no event
// without its change. An event names its type, its subject (an id) and its
// time, nothing more. To keep writes free when nobody listens, the
// transaction first asks whether any active endpoint exists, and writes no
// event when none does. The question is asked inside the transaction, never
// cached: SQLite runs one write transaction at a time, so a change either
// commits before the endpoint's creation or sees it; PostgreSQL runs both
// SERIALIZABLE, so a change that did not see the endpoint is equivalent to
// one committed before it. Either way, no change that comes after an
// endpoint's creation is without its event. (Caching "some endpoint exists"
// would be safe — an event nobody wants costs a row — but caching "none"
// would not, and the query is one index probe.)
//
// The events:
//
//	type                   written by                          subject
//	entitlement.created    an import, per new order            the order (its entitlements)
//	entitlement.changed    an ownership transfer (accepted,    the subscription ID
//	                       or moved by the vendor)
//	ownership.transferred  the same                            the transfer
//	delegation.granted     GrantDelegation                     the delegation
//	delegation.revoked     RevokeDelegation, and a transfer    the delegation
//	                       that ends a listed delegation
//	renewal.requested      CreateRenewalRequest                the renewal request
//	ping                   `entitle webhook test`              the endpoint
//
// # Fan-out: who receives what
//
// A dispatcher (the Dispatcher in `entitle serve`) claims the events waiting
// and, for each and each active endpoint subscribed to its type, renders
// what that endpoint's company may know of it NOW — through internal/policy
// and internal/disclose, exactly as the API would answer that company —
// and only then records a delivery. A company that may know nothing of an
// event gets no delivery at all (R7: not even that something happened);
// an event nobody is to receive is deleted.
//
//	type                   receivers                     data
//	entitlement.created    every company that may get    {"entitlements":[…]}: the new order's entitlements
//	                       one of the order's            that company may get, each the API's entitlement
//	                       entitlements (R1, R6)         object for it (access = its basis; owner and
//	                                                     installation_site only for the owner and the
//	                                                     vendor, R4; sold_via as the API gives it)
//	entitlement.changed    every company that may get    the API's entitlement object, as above
//	                       the entitlement now
//	ownership.transferred  the former and the new owner  the transfer as GET /api/v1/transfers shows it:
//	                                                     id, entitlement (no PO number), from and to
//	                                                     (key, name), message, status, times; created_by
//	                                                     to the offering company (and the vendor), not
//	                                                     when the vendor moved it directly
//	delegation.granted,    the owner and the delegate    the delegation as GET /api/v1/delegations shows
//	delegation.revoked                                   that side: the delegate sees the owner company's
//	                                                     key and name, never who granted or revoked (R4, R7)
//	renewal.requested      the recipient only            the request as its recipient's inbox shows it:
//	                                                     entitlement information and the message, never
//	                                                     who asked (R4, R7)
//	ping                   the endpoint pinged           {"webhook": ID}
//
// What a body tells comes from the gate (internal/disclose): entitlements
// through its entry for messages the portal sends by itself
// (disclose.Message), which projects what the receiving company may see now
// and leaves the rest out silently — nothing is asked in the name of a
// company that may not see it, so no not_found in its trail tells its
// administrators a subscription ID; delegations, renewal requests and
// transfers as the gate's views of them for that company. Each delivery is
// audited once, in the receiving company's trail, in the transaction that
// records it (action "webhook.TYPE", actor "webhook:ID", object the
// delivery's id, basis the bases of the entitlements it discloses).
//
// A retry renders the event again: a company that may no longer see it (a
// delegation revoked since, R5) gets nothing more — the delivery is
// cancelled — and the body sent is what the company may know at that
// attempt. The delivery's id and the event's time stay the same.
//
// # Delivery
//
// A POST of {"id","type","created_at","data"} with Content-Type
// application/json, Entitle-Event (the type), Entitle-Delivery (the id: random,
// not a sequence number, which would tell a company how much happened
// elsewhere) and Entitle-Signature. Success is any 2xx answer within 10
// seconds; redirects are not followed. After a failure the delivery waits
// 30 s, 2 min, 10 min, 1 h, 6 h, 8 h, 8 h (each plus up to 10 % jitter):
// the eighth attempt comes about a day after the first and, failing, the
// delivery is "failed". A ping is tried once.
//
// Deliveries are jobs in the database. A round claims due deliveries with
// one UPDATE guarded on their state and lease (claim, claimed_until), so
// several `entitle serve` processes never send one delivery at the same
// time; a claim whose process died is taken over when its lease (5 minutes,
// well above the 10 s timeout) runs out. Events are claimed the same way
// for fan-out, and a delivery is unique per (event, endpoint). Delivery is
// at least once: a process that dies after the receiver answered but
// before recording it leaves the delivery to be sent again, so receivers
// deduplicate on Entitle-Delivery. Deliveries are NOT ordered, not even
// per endpoint: a retried delivery may arrive after a later one; the
// envelope's created_at and the data (e.g. a delegation's status) say which
// is newer. Finished deliveries are kept 30 days (`entitle webhook list`
// counts them), then pruned.
//
// # The signature
//
//	Entitle-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// v1 is the hexadecimal HMAC-SHA256, keyed with the secret as printed, of
// the decimal timestamp, a dot, and the raw body. A receiver recomputes it
// over the body exactly as received (before parsing it), compares in
// constant time, and rejects a timestamp more than a few minutes from its
// own clock (a replay): Verify does all of this. t is the time of the
// attempt, so a retry carries a fresh signature.
package webhooks
