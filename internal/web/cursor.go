package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Cursors are opaque to clients and tamper-evident: base64url of the
// position, followed by an HMAC-SHA256 tag (truncated to 128 bits) over the
// position and what the cursor is bound to — the caller's company and the
// query's filters — under a key every server process shares (Config.Secret).
// A cursor from another query, another company or an edited one is refused
// with 422 invalid_cursor instead of quietly paging something else.

const cursorTagLen = 16

func (s *Server) sealCursor(position, bound string) string {
	if position == "" {
		return ""
	}
	p := []byte(position)
	return base64.RawURLEncoding.EncodeToString(append(p, s.cursorTag(p, bound)...))
}

func (s *Server) openCursor(cursor, bound string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	// Only the text the server issued: base64 decoding alone ignores line
	// breaks and the unused bits of the last character, so other texts
	// would decode to the same bytes (found by FuzzCursor).
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) <= cursorTagLen || base64.RawURLEncoding.EncodeToString(raw) != cursor {
		return "", errInvalidCursor
	}
	p, tag := raw[:len(raw)-cursorTagLen], raw[len(raw)-cursorTagLen:]
	if !hmac.Equal(tag, s.cursorTag(p, bound)) {
		return "", errInvalidCursor
	}
	return string(p), nil
}

var errInvalidCursor = errorf(codeInvalidCursor, "cursor is not one this server issued for this query: start again without a cursor")

func (s *Server) cursorTag(position []byte, bound string) []byte {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(bound))
	m.Write([]byte{0})
	m.Write(position)
	return m.Sum(nil)[:cursorTagLen]
}

// bind joins what a cursor is bound to.
func bind(parts ...string) string { return strings.Join(parts, "\x00") }

// cutPage trims rows, read with one more than limit, to limit, and returns
// the position of the last row kept when more follow ("" at the end): the
// next page starts after it.
func cutPage[T any](rows []T, limit int, position func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, position(rows[limit-1])
}
