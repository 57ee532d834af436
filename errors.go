package entitle

import (
	"errors"
	"fmt"
	"strings"
)

// Error is an error a user may read: a stable machine-readable code and a
// human message. Everything else is an internal error and is reported as such.
type Error struct {
	Code    string // e.g. "not_found", "invalid_input"
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// The error codes an *Error carries: the CLI prints them, the API answers
// them in {"error":{"code":…}}. Declared here once; internal/web gives each
// its HTTP status, and answers a code it does not know as an internal
// error (500), never as the user's fault.
const (
	CodeInvalid            = "invalid_input"          // a field or parameter is wrong
	CodeNotFound           = "not_found"              // does not exist, or not for the caller (R7)
	CodeConflict           = "conflict"               // the record's state forbids it now
	CodeForbidden          = "forbidden"              // known to the caller, but not allowed
	CodeBadRequest         = "bad_request"            // the body is not the JSON asked for
	CodeUnauthenticated    = "unauthenticated"        // no valid session or token
	CodeInvalidCredentials = "invalid_credentials"    // sign-in refused
	CodeMethodNotAllowed   = "method_not_allowed"     // the route takes another method
	CodeTooLarge           = "payload_too_large"      // the body is larger than allowed
	CodeUnsupportedMedia   = "unsupported_media_type" // the body is not JSON (or the form asked for)
	CodeInvalidCursor      = "invalid_cursor"         // a list cursor that is not this list's
	CodeEmailRequired      = "email_required"         // SPEC §4: no address given
	CodeInvalidEmail       = "invalid_email"          // SPEC §4: not a plain address
	CodeAlreadyInvited     = "already_invited"        // SPEC §4: the address is known
	CodeInvalidToken       = "invalid_token"          // an invitation link that does not work
	CodeRateLimited        = "rate_limited"           // too many attempts: see Retry-After
	CodeInternal           = "internal"               // our fault; logged
	CodeUnavailable        = "unavailable"            // the database is unreachable or the request ran out of time
	CodeInsufficientScope  = "insufficient_scope"     // the API token lacks the scope the route needs (RFC 6750 §3.1)
	CodeSessionRequired    = "session_required"       // the route changes how the account signs in: not with an API token
	CodeKeyReused          = "idempotency_key_reused" // an Idempotency-Key sent again with another request

	// Requests net/http refuses before any handler (web.Listener).
	CodeHeaderTooLarge              = "header_too_large"              // the request line and headers are larger than allowed
	CodeUnsupportedTransferEncoding = "unsupported_transfer_encoding" // a Transfer-Encoding other than chunked
	CodeUnsupportedHTTPVersion      = "unsupported_http_version"      // not HTTP/1.x
)

// The answers of a sign-in whose password was right and which a second
// factor finishes (internal/accounts, POST /api/v1/login/totp).
const (
	CodeSecondFactor      = "second_factor_required"        // finish with a code from the authenticator app
	CodeEnrolmentRequired = "two_factor_enrolment_required" // the company requires a second factor: set it up to finish signing in
)

// Codes lists every error code.
var Codes = []string{CodeInvalid, CodeNotFound, CodeConflict, CodeForbidden, CodeBadRequest, CodeUnauthenticated,
	CodeInvalidCredentials, CodeMethodNotAllowed, CodeTooLarge, CodeUnsupportedMedia, CodeInvalidCursor, CodeEmailRequired,
	CodeInvalidEmail, CodeAlreadyInvited, CodeInvalidToken, CodeRateLimited, CodeSecondFactor, CodeEnrolmentRequired, CodeInternal, CodeUnavailable,
	CodeInsufficientScope, CodeSessionRequired,
	CodeHeaderTooLarge, CodeUnsupportedTransferEncoding, CodeUnsupportedHTTPVersion, CodeKeyReused}

// Problem is one thing wrong with a record: where (line of the input file,
// when there is one, and the field) and what.
type Problem struct {
	File    string // input file name, when there is one
	Line    int    // 1-based line of the input file; 0 when not from a file
	Field   string // JSON-style path, e.g. "lines[2].quantity"
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		fmt.Fprintf(&b, "%s: ", p.File)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is a list of problems; as an error it reports all of them.
// A nil or empty Problems is not an error: use [Problems.Err].
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ps as an error, or nil when there are no problems.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Add appends a problem about field.
func (ps *Problems) Add(field, format string, args ...any) {
	*ps = append(*ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Prefixed returns ps with every field placed under prefix (e.g. "lines[0]").
func (ps Problems) Prefixed(prefix string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		if p.Field == "" {
			p.Field = prefix
		} else if prefix != "" {
			p.Field = prefix + "." + p.Field
		}
		out[i] = p
	}
	return out
}

// At returns ps with File and Line set where they are not set yet.
func (ps Problems) At(file string, line int) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		if p.File == "" {
			p.File = file
		}
		if p.Line == 0 {
			p.Line = line
		}
		out[i] = p
	}
	return out
}

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnavailable is in the chain of an error (errors.Is) when the database
// cannot be reached: the connection failed or was lost, the server is
// shutting down or refuses connections, the database file cannot be opened
// or read. It is nobody's fault and passes: the store's connections are
// opened again by themselves, and a request answered with it may be tried
// again a few seconds later.
var ErrUnavailable = errors.New("the database is unavailable")
