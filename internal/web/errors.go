package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/ratelimit"
)

// Short names for the error codes (declared once, in package entitle).
const (
	codeBadRequest         = entitle.CodeBadRequest
	codeUnauthenticated    = entitle.CodeUnauthenticated
	codeInvalidCredentials = entitle.CodeInvalidCredentials
	codeForbidden          = entitle.CodeForbidden
	codeNotFound           = entitle.CodeNotFound
	codeMethodNotAllowed   = entitle.CodeMethodNotAllowed
	codeConflict           = entitle.CodeConflict
	codeTooLarge           = entitle.CodeTooLarge
	codeUnsupportedMedia   = entitle.CodeUnsupportedMedia
	codeInvalid            = entitle.CodeInvalid
	codeInvalidCursor      = entitle.CodeInvalidCursor
	codeRateLimited        = entitle.CodeRateLimited
	codeInternal           = entitle.CodeInternal
	codeUnavailable        = entitle.CodeUnavailable
)

// statusOf gives every error code its one HTTP status. A code missing here
// is answered as an internal error (500): a refusal the server does not
// know how to word is its own fault, never the user's.
var statusOf = map[string]int{
	entitle.CodeBadRequest:         http.StatusBadRequest,
	entitle.CodeUnauthenticated:    http.StatusUnauthorized,
	entitle.CodeInvalidCredentials: http.StatusUnauthorized,
	entitle.CodeForbidden:          http.StatusForbidden,
	entitle.CodeInsufficientScope:  http.StatusForbidden,
	entitle.CodeSessionRequired:    http.StatusForbidden,
	entitle.CodeNotFound:           http.StatusNotFound,
	entitle.CodeMethodNotAllowed:   http.StatusMethodNotAllowed,
	entitle.CodeConflict:           http.StatusConflict,
	entitle.CodeAlreadyInvited:     http.StatusConflict,
	entitle.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	entitle.CodeUnsupportedMedia:   http.StatusUnsupportedMediaType,
	entitle.CodeInvalid:            http.StatusUnprocessableEntity,
	entitle.CodeInvalidCursor:      http.StatusUnprocessableEntity,
	entitle.CodeKeyReused:          http.StatusUnprocessableEntity,
	entitle.CodeEmailRequired:      http.StatusUnprocessableEntity,
	entitle.CodeInvalidEmail:       http.StatusUnprocessableEntity,
	entitle.CodeInvalidToken:       http.StatusGone,
	entitle.CodeRateLimited:        http.StatusTooManyRequests,
	entitle.CodeSecondFactor:       http.StatusUnauthorized,
	entitle.CodeEnrolmentRequired:  http.StatusUnauthorized,
	entitle.CodeInternal:           http.StatusInternalServerError,
	entitle.CodeUnavailable:        http.StatusServiceUnavailable,

	// Answered by Listener for net/http, which refuses these requests
	// before any handler.
	entitle.CodeHeaderTooLarge:              http.StatusRequestHeaderFieldsTooLarge,
	entitle.CodeUnsupportedTransferEncoding: http.StatusNotImplemented,
	entitle.CodeUnsupportedHTTPVersion:      http.StatusHTTPVersionNotSupported,
}

// apiError is the body of every error answer:
// {"error":{"code":"…","message":"…"}}, with the problems of an invalid
// request listed field by field when there are several.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code     string         `json:"code"`
	Message  string         `json:"message"`
	Problems []problemEntry `json:"problems,omitempty"`
}

type problemEntry struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// errorf returns an API error with code.
func errorf(code, format string, args ...any) error {
	return entitle.Errorf(code, format, args...)
}

// describe turns any error into the status and body to answer. A database
// that cannot be reached (entitle.ErrUnavailable) or a request that ran out
// of time is a 503 unavailable, to be tried again; other errors that are not
// the user's (a failing query, a bug) are logged and answered with a
// generic 500 that discloses nothing.
func (s *Server) describe(r *http.Request, err error) (int, apiError) {
	var e *entitle.Error
	var ps entitle.Problems
	var tooLarge *http.MaxBytesError
	var limited *ratelimit.Exceeded
	switch {
	case errors.As(err, &limited):
		return http.StatusTooManyRequests, apiError{errorBody{Code: codeRateLimited, Message: limited.Error()}}
	case errors.As(err, &e):
		if status, ok := statusOf[e.Code]; ok {
			return status, apiError{errorBody{Code: e.Code, Message: e.Message}}
		}
	case errors.As(err, &ps):
		body := errorBody{Code: codeInvalid, Message: ps.Error()}
		if len(ps) > 1 {
			body.Message = fmt.Sprintf("%d problems: %s", len(ps), ps.Error())
		}
		for _, p := range ps {
			body.Problems = append(body.Problems, problemEntry{Field: p.Field, Message: p.Message})
		}
		return http.StatusUnprocessableEntity, apiError{body}
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, apiError{errorBody{Code: codeTooLarge,
			Message: fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit)}}
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		return http.StatusServiceUnavailable, apiError{errorBody{Code: codeUnavailable, Message: "the request was cancelled or took too long; try again"}}
	case errors.Is(err, entitle.ErrUnavailable):
		s.cfg.Logger.ErrorContext(r.Context(), "database unavailable", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		return http.StatusServiceUnavailable, apiError{errorBody{Code: codeUnavailable, Message: "the database is not answering; try again in a few seconds"}}
	}
	s.cfg.Logger.ErrorContext(r.Context(), "internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	return http.StatusInternalServerError, apiError{errorBody{Code: codeInternal, Message: "something went wrong on our side; it has been logged"}}
}

// writeError answers err as JSON.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if s.writeSecondFactor(w, err) {
		return
	}
	status, body := s.describe(r, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="entitle"`)
	}
	setRetryAfter(w, status, err)
	writeJSON(w, status, body)
}

// retryUnavailable is the Retry-After of a 503: a database that went away
// is usually back, or a busy one answering again, within seconds.
const retryUnavailable = 5 * time.Second

// setRetryAfter tells a rate-limited client, and one answered 503, when to
// try again.
func setRetryAfter(w http.ResponseWriter, status int, err error) {
	var limited *ratelimit.Exceeded
	switch {
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(int(limited.RetryAfter/time.Second)))
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", strconv.Itoa(int(retryUnavailable/time.Second)))
	}
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // our own types always encode; never half-write a body
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"could not encode the answer"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
