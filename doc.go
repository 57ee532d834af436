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
package entitle
