package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 1, 21, 30, 0, 0, time.UTC)

// parse reads an encoded message back, checking the line endings first.
func parse(t *testing.T, data []byte) *mail.Message {
	t.Helper()
	checkCRLF(t, data)
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, data)
	}
	return msg
}

// checkCRLF fails unless every line ends in CRLF and fits RFC 5322's limit.
func checkCRLF(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("message does not end in CRLF")
	}
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
	}
}

// decodeQP reads a quoted-printable body.
func decodeQP(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatalf("quoted-printable: %v", err)
	}
	return string(b)
}

func TestEncodePlainText(t *testing.T) {
	text := "Hello Jörg,\n\nBob invited you: https://portal.example.com/invite/abc?x=1\nA line that is long enough to need a soft line break in quoted-printable, which wraps at 76 characters.\nBye"
	data, err := Encode(Message{
		From:    "Entitle Portal <noreply@portal.example.com>",
		To:      []string{"joerg@example.com", " ann@example.org "},
		Subject: "You are invited",
		Text:    text,
		Headers: map[string]string{"X-Entitle-Invitation": "inv_123"},
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range data {
		if b >= 0x80 {
			t.Fatalf("byte %d is not 7-bit: the message must be ASCII on the wire", i)
		}
	}
	msg := parse(t, data)
	h := msg.Header

	if d, err := h.Date(); err != nil || !d.Equal(testNow) {
		t.Errorf("Date = %v, %v; want %v", d, err, testNow)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "Entitle Portal" || from.Address != "noreply@portal.example.com" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Address != "joerg@example.com" || to[1].Address != "ann@example.org" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	for name, want := range map[string]string{
		"Subject":                   "You are invited",
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"X-Entitle-Invitation":      "inv_123",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@portal\.example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID = %q, want <hex@portal.example.com>", id)
	}
	if got, want := decodeQP(t, msg.Body), strings.ReplaceAll(text, "\n", "\r\n"); got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

func TestEncodeAlternative(t *testing.T) {
	text := "Hi,\nplease join: https://portal.example.com/i/xyz\n"
	html := "<p>Hi,</p>\n<p>please <a href=\"https://portal.example.com/i/xyz\">join</a> — ça va?</p>\n"
	data, err := Encode(Message{
		From:    "noreply@example.com",
		To:      []string{"bob@example.com"},
		Subject: "Invitation",
		Text:    text,
		HTML:    html,
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	msg := parse(t, data)
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "" {
		t.Errorf("multipart message has Content-Transfer-Encoding %q", cte)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for i, want := range []struct{ typ, body string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", html},
	} {
		p, err := r.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if got := p.Header.Get("Content-Type"); got != want.typ {
			t.Errorf("part %d: Content-Type = %q, want %q", i, got, want.typ)
		}
		if got := p.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
			t.Errorf("part %d: Content-Transfer-Encoding = %q", i, got)
		}
		if got, want := decodeQP(t, p), strings.ReplaceAll(want.body, "\n", "\r\n"); got != want {
			t.Errorf("part %d: body = %q, want %q", i, got, want)
		}
	}
	if _, err := r.NextRawPart(); err != io.EOF {
		t.Errorf("after two parts: %v, want io.EOF", err)
	}
}

func TestEncodeLineEndings(t *testing.T) {
	// Whatever line endings the caller uses, the wire gets CRLF only.
	data, err := Encode(Message{
		From: "a@example.com", To: []string{"b@example.com"}, Subject: "x",
		Text: "unix\nwindows\r\nold mac\rend", HTML: "<p>a</p>\r<p>b</p>\n",
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	checkCRLF(t, data)
}

func TestEncodeNonASCIIHeaders(t *testing.T) {
	subjects := []string{
		"Einladung für Jörg – 日本語",
		strings.Repeat("Zugriff auf Berechtigungen für Müller & Söhne GmbH; ", 8) + "end", // folds across lines
		strings.Repeat("plain ascii words that need folding ", 10) + "end",
	}
	for _, subject := range subjects {
		data, err := Encode(Message{
			From:    "Jörg Müller <joerg@example.com>",
			To:      []string{"bob@example.com"},
			Subject: subject,
			Text:    "x",
			Headers: map[string]string{"X-Note": "grüße"},
		}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\r\n") {
			if len(line) > 78 && !strings.HasPrefix(line, "Subject: =?") {
				t.Errorf("header line longer than 78: %q", line)
			}
			if line == "" {
				break // end of header
			}
		}
		msg := parse(t, data)
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != subject {
			t.Errorf("Subject decodes to %q (%v), want %q", got, err, subject)
		}
		if got, _ := dec.DecodeHeader(msg.Header.Get("X-Note")); got != "grüße" {
			t.Errorf("X-Note decodes to %q", got)
		}
		from, err := mail.ParseAddress(msg.Header.Get("From"))
		if err != nil || from.Name != "Jörg Müller" || from.Address != "joerg@example.com" {
			t.Errorf("From = %q → %v (%v)", msg.Header.Get("From"), from, err)
		}
	}
}

func TestEncodeMessageIDs(t *testing.T) {
	m := Message{From: "a@[192.0.2.1]", To: []string{"b@example.com"}, Text: "x"}
	seen := map[string]bool{}
	for range 10 {
		data, err := Encode(m, testNow)
		if err != nil {
			t.Fatal(err)
		}
		id := parse(t, data).Header.Get("Message-ID")
		if !regexp.MustCompile(`^<[0-9a-f]{32}@entitle>$`).MatchString(id) {
			t.Errorf("Message-ID = %q, want <hex@entitle> for a domain literal", id)
		}
		if seen[id] {
			t.Errorf("Message-ID %q repeats", id)
		}
		seen[id] = true
	}
}

func TestEncodeRefusesHeaderInjection(t *testing.T) {
	ok := Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "s", Text: "x"}
	for _, tc := range []struct {
		field string
		edit  func(m *Message)
	}{
		{"From", func(m *Message) { m.From = "a@example.com\r\nBcc: eve@example.com" }},
		{"From", func(m *Message) { m.From = "Eve\n <a@example.com>" }},
		{"To[0]", func(m *Message) { m.To = []string{"b@example.com\r\nBcc: eve@example.com"} }},
		{"To[1]", func(m *Message) { m.To = []string{"b@example.com", "c@example.com\n"} }},
		{"Subject", func(m *Message) { m.Subject = "hi\r\nBcc: eve@example.com" }},
		{"Subject", func(m *Message) { m.Subject = "hi\rthere" }},
		{"Subject", func(m *Message) { m.Subject = "hi\nthere" }},
		{`Headers["X-A"]`, func(m *Message) { m.Headers = map[string]string{"X-A": "v\r\nBcc: eve@example.com"} }},
		{`Headers["X-A\r\nBcc"]`, func(m *Message) { m.Headers = map[string]string{"X-A\r\nBcc": "eve@example.com"} }},
		{`Headers["X-A: b"]`, func(m *Message) { m.Headers = map[string]string{"X-A: b": "c"} }},
		{`Headers["X A"]`, func(m *Message) { m.Headers = map[string]string{"X A": "c"} }},
		{`Headers[""]`, func(m *Message) { m.Headers = map[string]string{"": "c"} }},
		{`Headers["bcc"]`, func(m *Message) { m.Headers = map[string]string{"bcc": "eve@example.com"} }},
		{`Headers["Subject"]`, func(m *Message) { m.Headers = map[string]string{"Subject": "other"} }},
		{`Headers["content-type"]`, func(m *Message) { m.Headers = map[string]string{"content-type": "text/html"} }},
		{`Headers["X-A"]`, func(m *Message) { m.Headers = map[string]string{"X-A": "1", "x-a": "2"} }},
		{"Text", func(m *Message) { m.Text = "" }},
		{"Subject", func(m *Message) { m.Subject = strings.Repeat("x", 999) }},
		{"Subject", func(m *Message) { m.Subject = strings.Repeat("x", 995) }}, // one word longer than a line
	} {
		m := ok
		tc.edit(&m)
		data, err := Encode(m, testNow)
		var me *MessageError
		if !errors.As(err, &me) {
			t.Errorf("%s: Encode = %v, want a *MessageError\n%s", tc.field, err, data)
			continue
		}
		if me.Field != tc.field && !strings.EqualFold(me.Field, tc.field) {
			t.Errorf("%s: error names field %q: %v", tc.field, me.Field, err)
		}
		if !strings.Contains(err.Error(), me.Field) || !IsPermanent(err) {
			t.Errorf("%s: error %q does not name the field, or is not permanent", tc.field, err)
		}
	}
}

func TestEncodeRefusesBadAddresses(t *testing.T) {
	for _, to := range [][]string{
		nil,
		{},
		{""},
		{"   "},
		{"bob"},
		{"bob@"},
		{"@example.com"},
		{"a b@example.com"},
		{`"a b"@example.com`},
		{"Bob <bob@example.com>"},
		{"<bob@example.com>"},
		{"bob@example.com, eve@example.com"},
		{"bob@example.com (Bob)"},
		{"jörg@example.com"},
		{"bob@example.com", "eve"},
	} {
		_, err := Encode(Message{From: "a@example.com", To: to, Text: "x"}, testNow)
		var me *MessageError
		if !errors.As(err, &me) || !strings.HasPrefix(me.Field, "To") {
			t.Errorf("To %q: Encode = %v, want a *MessageError for To", to, err)
		}
	}
	for _, from := range []string{"", "  ", "bob", "Bob <bob>", "a@example.com, b@example.com", "jörg@example.com"} {
		_, err := Encode(Message{From: from, To: []string{"b@example.com"}, Text: "x"}, testNow)
		var me *MessageError
		if !errors.As(err, &me) || me.Field != "From" {
			t.Errorf("From %q: Encode = %v, want a *MessageError for From", from, err)
		}
	}
}
