// Package demo is the deterministic demo channel: a small, realistic sales
// channel of the invented software vendor Schnellwerk Software GmbH, with
// companies, MSAs, purchase orders, entitlements, users and delegations that
// `entitle seed-demo` and `entitle serve --demo` load and that tests use.
//
// It is pure data: no database, no clock, no I/O. [New] takes today's date
// and places every date relative to it, so that statuses (future, active,
// expired) and "expires in N days" look alive whatever the day; the same day
// always gives the same channel.
//
// # Companies
//
// Fifteen companies: the vendor, 2 distributors, 3 resellers, 1 MSP, 1
// energy consultancy (kind msp: kinds are informational and grant nothing)
// that sees entitlements only by delegation, 6 customers with orders, and a
// 7th customer, CUST-QUILLFIELD, with a user but no orders and no
// delegations: the "sees nothing" view.
//
//	key              kind         what it shows
//	SCHNELL          vendor       R6: sees everything (its own record)
//	NORRVIK-DIST     distributor  purchasing entity with a reseller (4500017350, 4500019822, …)
//	                              and without one (partner of record: 4500018004, 4500021177)
//	TAMBERLIN-DIST   distributor  purchasing entity; on TD-88213 and TD-90544 its reseller
//	                              BELLERIVE-RES is also the installer
//	KESSELBACH-RES   reseller     reseller on distributor POs (sees entitlement info, no order
//	                              details, no owner); purchasing entity of its own POs (KB-…);
//	                              holder of an expired delegation from CUST-HAVERLOCK
//	RIDGEFORD-RES    reseller     places POs directly (RPS-…); on RPS-11240 it is purchasing
//	                              entity and installer at once; reseller on TD-91630
//	BELLERIVE-RES    reseller     two roles on one order: reseller and installer
//	VANTERPOOL-MSP   msp          installer on many POs; all-scope delegate of CUST-GRAUWALD
//	ASHCOMBE-CONS    msp          consultant: delegate of two CUST-ORSOLINI subscriptions
//	                              (listed scope); its all-scope delegation from CUST-FJORDBY
//	                              was revoked
//	CUST-GRAUWALD    customer     owner via distributor + reseller, via a reseller directly;
//	                              future entitlements; grants the all-scope delegation
//	CUST-HAVERLOCK   customer     direct purchases (purchasing entity = owner, no partner of
//	                              record) under its own MSA; its PO 4500017350 has the same
//	                              number as a NORRVIK-DIST PO (R3)
//	CUST-PELLHAM     customer     buys through RIDGEFORD-RES directly; expired and expiring
//	CUST-ORSOLINI    customer     owner on orders where one company holds two roles; grants
//	                              the listed-scope delegation
//	CUST-FJORDBY     customer     distributor sells without a reseller; entitlements
//	                              expiring within 30 and 60 days; revoked delegation
//	CUST-CORRIEBRACK customer     USD and EUR orders, future and expiring-within-30 lines
//	CUST-QUILLFIELD  customer     outsider: a user, no orders, no delegations, sees nothing
//
// # Orders and entitlements
//
// Twenty orders with forty lines (one entitlement each) in EUR, GBP and USD,
// with bill-to and installation-site addresses (ISO country codes). Each
// purchasing entity has one MSA ("MSA-…") in force on every one of its order
// dates. Relative to today some entitlements are expired, some active, some
// future, and some active ones end within 30, 60 and 90 days.
//
// # Delegations
//
//	DLG-DEMO-1  CUST-ORSOLINI → ASHCOMBE-CONS   two subscriptions, expires in 90 days
//	DLG-DEMO-2  CUST-GRAUWALD → VANTERPOOL-MSP  all entitlements, no expiry
//	DLG-DEMO-3  CUST-HAVERLOCK → KESSELBACH-RES two subscriptions, expired 10 days ago
//	DLG-DEMO-4  CUST-FJORDBY → ASHCOMBE-CONS    all entitlements, revoked 7 days ago
//
// # Users
//
// One to three users per company, the first one its administrator, with
// addresses such as katharina.brunner@grauwald.example. Every demo user has the
// same password, [Password], so that a newcomer can try every view; it is for
// demonstrations only. [Logins] picks one user per kind of view.
package demo
