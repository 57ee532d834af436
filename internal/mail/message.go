package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Message is one email.
type Message struct {
	From    string            // "Name <addr>" or addr; the Sender's default From when empty
	To      []string          // plain addresses (name@example.com, no display name)
	Subject string            // any UTF-8; encoded per RFC 2047 when not ASCII
	Text    string            // plain-text part (required)
	HTML    string            // HTML part (optional): multipart/alternative when set
	Headers map[string]string // extra headers, optional (e.g. "X-Entitle-Invitation")
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// MessageError reports a message that cannot be sent as it is: a missing or
// malformed field, or a line break where one would start a new header. It is
// permanent: sending the same message again fails the same way.
type MessageError struct {
	Field   string // "From", "To[2]", "Subject", "Headers[X-Foo]", …
	Problem string // what is wrong and what to do about it
}

func (e *MessageError) Error() string {
	return "mail: " + e.Field + ": " + e.Problem
}

// reservedHeaders are set by Encode itself, or (Cc, Bcc) would claim
// recipients the envelope does not have; Message.Headers may not set them.
var reservedHeaders = []string{
	"Bcc", "Cc", "Content-Transfer-Encoding", "Content-Type", "Date", "From",
	"Message-Id", "Mime-Version", "Subject", "To",
}

// maxLine is the longest line RFC 5322 §2.1.1 allows, without the CRLF.
const maxLine = 998

// Encode renders m as an RFC 5322 message with CRLF line endings: Date (now),
// From, To, Subject, a random Message-ID, MIME-Version and the extra headers
// in name order, then either one text/plain part or, when m.HTML is set, a
// multipart/alternative of the text then the HTML. Bodies are UTF-8 and
// quoted-printable, so the message is 7-bit clean.
//
// Encode checks m first and returns a *MessageError naming the field when
// From is empty or malformed, To is empty or holds anything but plain
// addresses, Text is empty, an extra header is malformed or one Encode sets
// itself, or any header value holds a CR or LF (header injection).
func Encode(m Message, now time.Time) ([]byte, error) {
	from, err := checkFrom(m.From)
	if err != nil {
		return nil, err
	}
	if len(m.To) == 0 {
		return nil, &MessageError{"To", "at least one recipient is required"}
	}
	for i, to := range m.To {
		if err := checkPlainAddress(fmt.Sprintf("To[%d]", i), to); err != nil {
			return nil, err
		}
	}
	if err := checkValue("Subject", m.Subject); err != nil {
		return nil, err
	}
	if m.Text == "" {
		return nil, &MessageError{"Text", "the plain-text part is required, even when HTML is set"}
	}
	names, err := checkHeaders(m.Headers)
	if err != nil {
		return nil, err
	}

	h := &headerWriter{}
	h.add("Date", now.Format(time.RFC1123Z))
	h.add("From", from.String())
	h.add("To", strings.Join(trimAll(m.To), ", "))
	h.add("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h.add("Message-ID", messageID(from.Address))
	h.add("MIME-Version", "1.0")
	for _, name := range names {
		h.add(name, mime.QEncoding.Encode("utf-8", m.Headers[name]))
	}

	var body bytes.Buffer
	if m.HTML == "" {
		h.add("Content-Type", "text/plain; charset=utf-8")
		h.add("Content-Transfer-Encoding", "quoted-printable")
		if err := writeQP(&body, m.Text); err != nil {
			return nil, err
		}
	} else {
		mw := multipart.NewWriter(&body)
		h.add("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
		for _, p := range []struct{ typ, content string }{
			{"text/plain; charset=utf-8", m.Text},
			{"text/html; charset=utf-8", m.HTML},
		} {
			w, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {p.typ},
				"Content-Transfer-Encoding": {"quoted-printable"},
			})
			if err != nil {
				return nil, err
			}
			if err := writeQP(w, p.content); err != nil {
				return nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
	}
	if h.err != nil {
		return nil, h.err
	}
	h.buf.WriteString("\r\n")
	h.buf.Write(body.Bytes())
	return h.buf.Bytes(), nil
}

// checkFrom parses a From value: "Name <addr>" or a bare address.
func checkFrom(s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &MessageError{"From", "a sender address is required: set Message.From or the sender's default From"}
	}
	if err := checkValue("From", s); err != nil {
		return nil, err
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, &MessageError{"From", fmt.Sprintf("%q is not an address (%v); write it as name@example.com or Name <name@example.com>", s, err)}
	}
	if !isASCII(a.Address) {
		return nil, &MessageError{"From", fmt.Sprintf("%q: only ASCII addresses are supported", a.Address)}
	}
	return a, nil
}

// checkPlainAddress accepts name@example.com and nothing more: no display
// name, no angle brackets, no list, no quoting that changes the address.
func checkPlainAddress(field, s string) error {
	if err := checkValue(field, s); err != nil {
		return err
	}
	bad := func(why string) error {
		return &MessageError{field, fmt.Sprintf("%q is not a plain email address: %s; write it as name@example.com", s, why)}
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return bad("it is empty")
	}
	a, err := mail.ParseAddress(t)
	switch {
	case err != nil:
		return bad(err.Error())
	case a.Name != "" || a.Address != t:
		return bad("it has a display name, brackets or quoting")
	case !isASCII(a.Address):
		return bad("only ASCII addresses are supported")
	}
	return nil
}

// checkValue refuses the line breaks that would let a value start a new
// header or the body.
func checkValue(field, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return &MessageError{field, "contains a line break (CR or LF); remove it"}
	}
	if len(v) > maxLine {
		return &MessageError{field, fmt.Sprintf("is %d bytes long; shorten it to at most %d", len(v), maxLine)}
	}
	return nil
}

// checkHeaders validates the extra headers and returns their names sorted.
func checkHeaders(hs map[string]string) ([]string, error) {
	names := make([]string, 0, len(hs))
	for name, v := range hs {
		field := fmt.Sprintf("Headers[%q]", name)
		if name == "" {
			return nil, &MessageError{field, "a header needs a name"}
		}
		for i := 0; i < len(name); i++ {
			// RFC 5322 §2.2: printable US-ASCII except the colon.
			if c := name[i]; c < '!' || c > '~' || c == ':' {
				return nil, &MessageError{field, "a header name may hold only printable ASCII, without spaces or colons"}
			}
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if slices.Contains(reservedHeaders, canon) {
			return nil, &MessageError{field, "is set from the Message fields; use those instead"}
		}
		if err := checkValue(field, v); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for i := 1; i < len(names); i++ {
		if strings.EqualFold(names[i-1], names[i]) {
			return nil, &MessageError{fmt.Sprintf("Headers[%q]", names[i]), "is given twice with different cases; keep one"}
		}
	}
	return names, nil
}

// headerWriter writes header fields, folded, and keeps the first error.
type headerWriter struct {
	buf bytes.Buffer
	err error
}

// add writes "name: value" folded before spaces to lines of about 78
// characters (RFC 5322 §2.2.3). Encoded words are separated by spaces, so
// long non-ASCII values fold cleanly; a single word too long for a line
// is an error rather than a broken message.
func (h *headerWriter) add(name, value string) {
	const soft = 78
	line := name + ": " + value
	start := len(name) + 2 // never fold inside "Name: "
	for len(line) > soft {
		i := foldPoint(line, start, soft)
		if i < 0 {
			break
		}
		h.buf.WriteString(line[:i])
		h.buf.WriteString("\r\n")
		line = line[i:] // keeps the space, which starts the continuation
		start = 1
	}
	if len(line) > maxLine && h.err == nil {
		h.err = &MessageError{name, "holds a word too long for one header line; shorten it"}
	}
	h.buf.WriteString(line)
	h.buf.WriteString("\r\n")
}

// foldPoint returns the index of the space to fold before: the last one
// within limit, else the first one after it; -1 when there is none. Only a
// space that follows a non-space qualifies, so no line is left blank.
func foldPoint(line string, start, limit int) int {
	ok := func(i int) bool { return i > start && line[i] == ' ' && line[i-1] != ' ' }
	for i := min(limit, len(line)-1); i > start; i-- {
		if ok(i) {
			return i
		}
	}
	for i := limit + 1; i < len(line); i++ {
		if ok(i) {
			return i
		}
	}
	return -1
}

// writeQP writes s quoted-printable, which also turns every line ending
// (LF, CR or CRLF) into CRLF. When s does not end in a line break, a final
// soft line break ("=" CRLF, which decodes to nothing) still ends the body
// with CRLF, so the text round-trips exactly.
func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	if s != "" && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, "\r") {
		_, err := io.WriteString(w, "=\r\n")
		return err
	}
	return nil
}

// messageID returns a random "<hex@domain>", the domain taken from the
// sender's address when it is a plain host name, else "entitle".
func messageID(from string) string {
	domain := "entitle"
	if _, d, ok := strings.Cut(from, "@"); ok && isHostName(d) {
		domain = d
	}
	return "<" + randomHex(16) + "@" + domain + ">"
}

func isHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
