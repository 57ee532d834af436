package main

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeSalesDeskLanguageRefused: --sales-desk-language (and its
// variable) takes a language of the portal only; anything else is a usage
// error naming the valid values, before serve touches the database.
func TestServeSalesDeskLanguageRefused(t *testing.T) {
	db := newWorld(t)
	before := snapshot(t, db)
	for _, value := range []string{"fr", "EN", "german", ""} {
		r := cli(t, db, "", "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--sales-desk", "sales@maker.example",
			"--sales-desk-language", value)
		if r.code != 2 || !strings.Contains(r.stderr, `invalid value "`+value+`" for flag -sales-desk-language: must be en or de`) ||
			!strings.Contains(r.stderr, "usage: entitle serve") || r.stdout != "" {
			t.Errorf("--sales-desk-language %q: exit %d, stdout %q, stderr %q; want a usage error naming en and de", value, r.code, r.stdout, r.stderr)
		}
	}
	r := runEnv(t, map[string]string{"ENTITLE_DB": db, "ENTITLE_SALES_DESK_LANGUAGE": "fr"}, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off")
	if r.code != 2 || !strings.Contains(r.stderr, `invalid value "fr" in $ENTITLE_SALES_DESK_LANGUAGE (for -sales-desk-language): must be en or de`) {
		t.Errorf("ENTITLE_SALES_DESK_LANGUAGE=fr: exit %d, stderr %q", r.code, r.stderr)
	}
	if after := snapshot(t, db); after != before {
		t.Error("a refused --sales-desk-language changed the database")
	}
	if r := cli(t, db, "", "serve", "-h"); r.code != 0 || !strings.Contains(r.stdout, "-sales-desk-language") ||
		!strings.Contains(r.stdout, "en or de (env ENTITLE_SALES_DESK_LANGUAGE) (default en)") {
		t.Errorf("serve -h:\n%s", r.stdout)
	}
}

// TestServeSalesDeskLanguage: serve hands --sales-desk-language to the
// renewals: a direct renewal request's mail to the sales desk is German
// with de, English by default.
func TestServeSalesDeskLanguage(t *testing.T) {
	db := newWorld(t)
	// Subscriptions that stay renewable whenever the test runs, one for
	// each serve below.
	if r := cli(t, db, "", "import", writeFile(t, "later.jsonl",
		`{"type":"order","po_number":"N-99","msa":"M-1","order_date":"2026-05-10","currency":"USD","purchasing_entity":"NORTH","resellers":["SHOP"],"owner":"PLANT","lines":[{"line":1,"sku":"SCADA-STD","quantity":1,"unit_price":"250.00","subscription_id":"S-900","start_date":"2026-05-20","end_date":"2099-12-31"},{"line":2,"sku":"SCADA-STD","quantity":1,"unit_price":"250.00","subscription_id":"S-901","start_date":"2026-05-20","end_date":"2099-12-31"}]}
`)); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	if r := cli(t, db, "correct horse battery\n", "user", "add", "--company", "PLANT", "--email", "ann@plant.example", "--name", "Ann",
		"--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	token := strings.TrimSpace(cli(t, db, "", "token", "create", "--email", "ann@plant.example").stdout)

	for _, c := range []struct {
		sub                string
		args               []string
		subject, says, not string
	}{
		{"S-900", nil, "Renewal request for subscription S-900", "A customer asks to renew this subscription:", "Abonnement"},
		{"S-901", []string{"--sales-desk-language", "de"}, "Verlängerungsanfrage für Abonnement S-901",
			"Ein Kunde bittet darum, dieses Abonnement zu verlängern:", "A customer asks"},
	} {
		outbox := t.TempDir()
		s := serve(t, db, append([]string{"--outbox", outbox, "--sales-desk", "sales@maker.example"}, c.args...)...)
		req, _ := http.NewRequest("POST", s.url+"/api/v1/entitlements/"+c.sub+"/renewal-requests", strings.NewReader(`{"route":"direct"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "de") // the requester's browser decides nothing about the sales desk's mail
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("%v: renewal request: %d %s", c.args, res.StatusCode, body)
		}
		subject, text := salesDeskMail(t, outbox)
		if subject != c.subject || !strings.Contains(text, c.says) || strings.Contains(text, c.not) {
			t.Errorf("%v: the sales desk's mail is %q:\n%s", c.args, subject, text)
		}
		if code := s.stop(); code != 0 {
			t.Errorf("%v: serve stopped with %d: %s", c.args, code, s.stderr.String())
		}
	}
}

// salesDeskMail waits for the one mail to sales@maker.example in outbox and
// returns its subject and text, decoded.
func salesDeskMail(t *testing.T, outbox string) (subject, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := netmail.ReadMessage(strings.NewReader(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			if msg.Header.Get("To") != "sales@maker.example" {
				continue
			}
			var dec mime.WordDecoder
			if subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			return subject, string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to the sales desk in %s (%d files)", outbox, len(files))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
