// Package entitle holds the domain of the entitle portal: the companies of a
// vendor's sales channel, their users, the vendor's master service agreements
// (MSAs), purchase orders with their role assignments and lines, the
// entitlements (subscriptions) each order line yields, and the delegations an
// owner grants to other companies.
//
// The package is the vocabulary every other package speaks. It uses the
// standard library only and does no I/O: values, their Validate methods, and
// the one error type a user may read ([Error] and its field-level
// [Problems]). Who may see what is decided elsewhere, in internal/policy.
//
// Besides the domain nouns it names who asks ([Actor]), the facts the policy
// decides on ([Facts], [Candidate]) and the records the store keeps and the
// services work with — audit events, invitations, renewal requests,
// transfers, announcements, company profiles, webhooks, expiry notices, list
// filters and orders — so that internal/store, the services and internal/web
// share one vocabulary without depending on one another. Records carry no
// behaviour beyond what follows from their own fields (an invitation's
// state at an instant, whether an announcement is in force).
package entitle
