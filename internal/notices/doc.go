// Package notices sends expiry notices: staged reminders before an
// entitlement's end date (by default 180, 90, 60, 30 and 7 days before) to
// the administrators of its owner and of its partner of record (SPEC §2),
// one digest per company per stage listing all that company's entitlements
// at that stage.
//
// # Stages
//
// An entitlement with d days left (its end date minus today, UTC; d ≥ 0) is
// at the smallest configured stage ≥ d; one that has ended, or is further
// away than the largest stage, is at none. Only the current stage is ever
// sent: an entitlement imported 20 days before its end gets the 30-day
// notice, never the 180-day one later.
//
// # What a digest says
//
// A notice is a disclosure to the recipient company, so what it lists goes
// through the gate (internal/disclose) like any other answer: its entry for
// messages the portal sends by itself (disclose.Message) gives each
// entitlement the recipient may see now, as its list would show it — owner
// & location only with the owner view (R4), the partner of record only
// with the partner view — and leaves out the rest. The owner's digest may
// name its installation sites and tells it which partner of record can
// renew what (the owner may know who sold to it); a partner's digest lists
// entitlement information only — subscription ID, SKU, quantity, end date,
// days left, PO number — and never names the customer. Each digest is
// audited (action notice.expiry, company = the recipient, object = the
// stage, basis = the bases of what it lists) in the transaction that claims
// it, before it is handed to the mail server.
//
// # Exactly once, across processes and restarts
//
// Every (entitlement, stage, recipient company) notice has at most one row
// in notice_claims, keyed by those three. A run:
//
//  1. reads the entitlements ending within the largest stage, in pages of
//     the (end_date, subscription_id) index, with the claims already made,
//     and keeps the notices that are due: not claimed yet, or claimed and
//     never sent while their claim is released or older than the lease;
//  2. groups them by (company, stage) into digests; a company without an
//     active administrator is skipped, without claiming anything, so that it
//     gets the notice once an administrator joins while the stage lasts;
//  3. for each digest, claims its notices in one transaction: INSERT … ON
//     CONFLICT DO NOTHING (the rows a run inserts are its own), then an
//     UPDATE that takes over the rows still unsent whose claim was released
//     or has expired, guarded on that very state so that of two runs only
//     one gets each row (SQLite has one writer at a time; PostgreSQL runs it
//     SERIALIZABLE and retries the loser, which then finds the row taken).
//     The digest's audit event is written in the same transaction;
//  4. sends the digest of the notices it claimed (no others), within half
//     the lease;
//  5. marks them sent — only the rows its token still holds. After a failed
//     send it releases them instead (claimed_at NULL, last_error set, a
//     "failed" audit event), so that the next run tries again at once.
//
// A run that dies between 3 and 5 leaves claims that are never sent; after
// the lease (15 minutes by default) any later run takes them over.
//
// The one unavoidable duplicate: the mail server accepts the digest and the
// process dies (or loses the database) before step 5 commits. Nothing
// records that the mail left, so after the lease another run sends it again.
// SMTP offers no way to close this window; it is at-least-once for that
// crash, exactly-once otherwise. Keeping each send well inside the lease
// (the send timeout is half of it) keeps a slow send from being taken over
// while it is still running.
//
// Claims of entitlements that ended more than 30 days ago are deleted by
// each run: an ended entitlement gets no more notices, and the audit trail
// keeps what was sent.
package notices
