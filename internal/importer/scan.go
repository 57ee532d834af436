package importer

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small, strict JSON scanner for one line of a JSONL file.
// It turns the line into a flat list of nodes (reused from line to line, so
// that a large import allocates little) without converting any value; the
// record decoder then walks the nodes and converts only what it needs. Unlike
// encoding/json it lets the decoder see every member of an object in order,
// so that duplicate and unknown fields are all reported, and it gives the
// column of a syntax error.

// maxDepth bounds the nesting of arrays and objects, so that a hostile line
// cannot exhaust the stack. Records nest three levels deep.
const maxDepth = 64

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonNode is one value of the scanned line. The nodes of a line are stored
// in document order: an object's members follow it as key, value, key,
// value…; an array's elements follow it.
type jsonNode struct {
	kind    jsonKind
	escaped bool // string: contains backslash escapes
	start   int  // string: first byte after the opening quote; others: first byte
	end     int  // string: the closing quote; others: one past the last byte
	len     int  // array: number of elements; object: number of members
	next    int  // index of the first node after this node's subtree
}

// syntaxError is a line that is not JSON: what was wrong, and at which byte.
type syntaxError struct {
	msg string
	off int
}

type jsonScanner struct {
	data  []byte
	pos   int
	depth int
	nodes []jsonNode
}

// scan parses data as exactly one JSON value (surrounded by optional white
// space) into s.nodes.
func (s *jsonScanner) scan(data []byte) *syntaxError {
	s.data, s.pos, s.depth, s.nodes = data, 0, 0, s.nodes[:0]
	s.skipSpace()
	if err := s.value(); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos < len(s.data) {
		what := "value"
		if s.nodes[0].kind == jsonObject {
			what = "object"
		}
		return &syntaxError{fmt.Sprintf("unexpected %s after the end of the %s", s.describeAt(s.pos), what), s.pos}
	}
	return nil
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// unexpected reports the byte at s.pos (or the end of the line) where
// something else was expected.
func (s *jsonScanner) unexpected(expected string) *syntaxError {
	return &syntaxError{fmt.Sprintf("unexpected %s, expected %s", s.describeAt(s.pos), expected), s.pos}
}

// describeAt names the character at off for an error message.
func (s *jsonScanner) describeAt(off int) string {
	if off >= len(s.data) {
		return "end of line"
	}
	r, size := utf8.DecodeRune(s.data[off:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return fmt.Sprintf("byte 0x%02x", s.data[off])
	case strconv.IsPrint(r):
		return strconv.QuoteRune(r)
	default:
		return fmt.Sprintf("character %U", r)
	}
}

func (s *jsonScanner) value() *syntaxError {
	if s.pos >= len(s.data) {
		return s.unexpected("a value")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		return s.stringNode()
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true", jsonBool)
	case c == 'f':
		return s.literal("false", jsonBool)
	case c == 'n':
		return s.literal("null", jsonNull)
	default:
		return s.unexpected("a value")
	}
}

func (s *jsonScanner) enter() *syntaxError {
	s.depth++
	if s.depth > maxDepth {
		return &syntaxError{fmt.Sprintf("arrays and objects nested more than %d deep", maxDepth), s.pos}
	}
	return nil
}

func (s *jsonScanner) object() *syntaxError {
	if err := s.enter(); err != nil {
		return err
	}
	i := len(s.nodes)
	s.nodes = append(s.nodes, jsonNode{kind: jsonObject, start: s.pos})
	s.pos++ // {
	s.skipSpace()
	n := 0
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
	} else {
	members:
		for {
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return s.unexpected("a field name in double quotes")
			}
			if err := s.stringNode(); err != nil {
				return err
			}
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return s.unexpected("':' after the field name")
			}
			s.pos++
			s.skipSpace()
			if err := s.value(); err != nil {
				return err
			}
			n++
			s.skipSpace()
			if s.pos < len(s.data) {
				switch s.data[s.pos] {
				case ',':
					s.pos++
					s.skipSpace()
					continue
				case '}':
					s.pos++
					break members
				}
			}
			return s.unexpected("',' or '}' after a field value")
		}
	}
	s.depth--
	s.nodes[i].end, s.nodes[i].len, s.nodes[i].next = s.pos, n, len(s.nodes)
	return nil
}

func (s *jsonScanner) array() *syntaxError {
	if err := s.enter(); err != nil {
		return err
	}
	i := len(s.nodes)
	s.nodes = append(s.nodes, jsonNode{kind: jsonArray, start: s.pos})
	s.pos++ // [
	s.skipSpace()
	n := 0
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
	} else {
	elements:
		for {
			if err := s.value(); err != nil {
				return err
			}
			n++
			s.skipSpace()
			if s.pos < len(s.data) {
				switch s.data[s.pos] {
				case ',':
					s.pos++
					s.skipSpace()
					continue
				case ']':
					s.pos++
					break elements
				}
			}
			return s.unexpected("',' or ']' after an array element")
		}
	}
	s.depth--
	s.nodes[i].end, s.nodes[i].len, s.nodes[i].next = s.pos, n, len(s.nodes)
	return nil
}

func (s *jsonScanner) literal(lit string, kind jsonKind) *syntaxError {
	start := s.pos
	for i := 0; i < len(lit); i++ {
		if s.pos >= len(s.data) || s.data[s.pos] != lit[i] {
			return s.unexpected(fmt.Sprintf("%q", lit))
		}
		s.pos++
	}
	s.nodes = append(s.nodes, jsonNode{kind: kind, start: start, end: s.pos, next: len(s.nodes) + 1})
	return nil
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

func (s *jsonScanner) number() *syntaxError {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(s.data) && s.data[s.pos] == '0':
		s.pos++
	case s.digits() == 0:
		return s.unexpected("a digit")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.unexpected("a digit after the decimal point")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.unexpected("a digit in the exponent")
		}
	}
	s.nodes = append(s.nodes, jsonNode{kind: jsonNumber, start: start, end: s.pos, next: len(s.nodes) + 1})
	return nil
}

// stringNode scans the string starting at s.pos (a double quote). It checks
// escapes and UTF-8 but does not decode: see [unescape].
func (s *jsonScanner) stringNode() *syntaxError {
	open := s.pos
	data := s.data
	escaped := false
	i := open + 1
	for {
		// Fast path: plain ASCII.
		for i < len(data) {
			if c := data[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			i++
		}
		if i >= len(data) {
			return &syntaxError{"a string is not closed before the end of the line", open}
		}
		c := data[i]
		switch {
		case c == '"':
			s.nodes = append(s.nodes, jsonNode{kind: jsonString, escaped: escaped, start: open + 1, end: i, next: len(s.nodes) + 1})
			s.pos = i + 1
			return nil
		case c == '\\':
			escaped = true
			if i+1 >= len(data) {
				return &syntaxError{"a string is not closed before the end of the line", open}
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(data) || unhex(data[j]) < 0 {
						s.pos = j
						return s.unexpected(`a hexadecimal digit in a \u escape`)
					}
				}
				i += 6
			default:
				s.pos = i + 1
				return &syntaxError{fmt.Sprintf(`invalid escape \%s in a string`, s.describeAt(i+1)), i}
			}
		case c < 0x20:
			return &syntaxError{fmt.Sprintf("control character %U in a string (write it as an escape such as \\n)", rune(c)), i}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return &syntaxError{"invalid UTF-8 in a string (the file must be UTF-8 text)", i}
			}
			i += size
		}
	}
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	return unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3])
}

// unescape decodes the content of a scanned string that contains escapes.
// Like encoding/json, it turns an unpaired surrogate into U+FFFD.
func unescape(b []byte) string {
	buf := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			buf = append(buf, c)
			i++
			continue
		}
		switch b[i+1] {
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r := hex4(b[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
					r2 = hex4(b[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default: // " \ /
			buf = append(buf, b[i+1])
		}
		i += 2
	}
	return string(buf)
}
