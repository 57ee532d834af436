package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// TestWebhookCommands: the operator adds endpoints (the secret printed
// once), lists them with their deliveries, pings one, removes it; bad input
// is refused with a clear message and adds nothing; every change is
// audited; once an endpoint exists, an import writes its events.
func TestWebhookCommands(t *testing.T) {
	db := newWorld(t)
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		code := status
		mu.Unlock()
		w.WriteHeader(code)
	}))
	defer srv.Close()

	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"plain http elsewhere": {[]string{"--company", "PLANT", "--url", "http://hooks.example/x"}, 1, "must use https"},
		"unknown event":        {[]string{"--company", "PLANT", "--url", "https://hooks.example/x", "--events", "entitlement.created,order.placed"}, 1, `unknown event type "order.placed"`},
		"unknown company":      {[]string{"--company", "GHOST", "--url", "https://hooks.example/x"}, 1, "no company with key GHOST"},
		"no company":           {[]string{"--url", "https://hooks.example/x"}, 2, "--company is required"},
		"no url":               {[]string{"--company", "PLANT"}, 1, "url: required"},
		"credentials":          {[]string{"--company", "PLANT", "--url", "https://a:b@hooks.example/x"}, 1, "must not carry credentials"},
	} {
		if r := cli(t, db, "", append([]string{"webhook", "add"}, tc.args...)...); r.code != tc.code || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d %q", name, r.code, r.stdout, r.stderr, tc.code, tc.want)
		}
	}
	if r := cli(t, db, "", "webhook", "list"); r.code != 0 || r.stdout != "no webhooks\n" {
		t.Fatalf("refused adds added something: %q %q", r.stdout, r.stderr)
	}

	r := cli(t, db, "", "webhook", "add", "--company", "PLANT", "--url", srv.URL+"/hook")
	m := regexp.MustCompile(`^id: (\d+)\nsecret: (whsec_[0-9a-f]{64})\n$`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || !strings.Contains(r.stderr, "shown only this once") {
		t.Fatalf("add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	id, secret := m[1], m[2]
	if r := cli(t, db, "", "webhook", "add", "--company", "SHOP", "--url", "http://hooks.example/shop", "--allow-http", "--events", "renewal.requested"); r.code != 0 {
		t.Fatalf("add with --allow-http: %d %s", r.code, r.stderr)
	}

	r = cli(t, db, "", "webhook", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "PLANT") || !strings.Contains(r.stdout, srv.URL+"/hook") || !strings.Contains(r.stdout, "renewal.requested") ||
		!strings.Contains(r.stdout, "PENDING") || strings.Contains(r.stdout, secret) {
		t.Errorf("list: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "webhook", "list", "--company", "PLANT"); strings.Contains(r.stdout, "SHOP") || !strings.Contains(r.stdout, "PLANT") {
		t.Errorf("list --company PLANT: %s", r.stdout)
	}

	// The ping: signed with the secret printed, at the command's clock.
	r = cli(t, db, "", "webhook", "test", "--id", id)
	if r.code != 0 || !strings.Contains(r.stdout, "delivered to "+srv.URL+"/hook: HTTP 204") {
		t.Fatalf("test: %d %q %q", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	if len(got) != 1 || got[0].Header.Get("Entitle-Event") != "ping" ||
		webhooks.Verify(secret, got[0].Header.Get(webhooks.SignatureHeader), bodies[0], today, webhooks.DefaultTolerance) != nil {
		t.Errorf("the ping: %d requests %v %s", len(got), got, bodies)
	}
	status = http.StatusInternalServerError
	mu.Unlock()
	if r := cli(t, db, "", "webhook", "test", "--id", id); r.code != 1 || !strings.Contains(r.stderr, "failed") || !strings.Contains(r.stderr, "HTTP 500") {
		t.Errorf("failed ping: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, db, "", "webhook", "list", "--company", "PLANT")
	if fields := strings.Fields(strings.Split(r.stdout, "\n")[1]); len(fields) < 8 || fields[4] != "0" || fields[5] != "1" || fields[6] != "1" || !strings.Contains(r.stdout, "HTTP 500") {
		t.Errorf("list after a delivered and a failed ping: %q", r.stdout)
	}

	// With an endpoint, the CLI's import writes the new order's event.
	order := strings.NewReplacer(`"N-77"`, `"N-80"`, `"S-100"`, `"S-180"`, `"S-101"`, `"S-181"`).Replace(strings.Split(world, "\n")[7])
	if r := cli(t, db, "", "import", writeFile(t, "more.jsonl", order+"\n")); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.WebhookEvents(context.Background())
	if err != nil || len(evs) != 3 || evs[2].Type != entitle.EventEntitlementCreated { // two pings, then the order
		t.Errorf("events: %+v %v", evs, err)
	}
	st.Close()

	if r := cli(t, db, "", "webhook", "remove", "--id", id); r.code != 0 || !strings.Contains(r.stdout, "removed webhook "+id+" of PLANT") {
		t.Errorf("remove: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "webhook", "list", "--company", "PLANT"); r.stdout != "PLANT has no webhooks\n" {
		t.Errorf("list after remove: %q", r.stdout)
	}
	for _, args := range [][]string{{"remove", "--id", id}, {"test", "--id", id}, {"test", "--id", "99"}} {
		if r := cli(t, db, "", append([]string{"webhook"}, args...)...); r.code != 1 || !strings.Contains(r.stderr, "no active webhook") {
			t.Errorf("%v: %d %q", args, r.code, r.stderr)
		}
	}
	if r := cli(t, db, "", "webhook", "remove"); r.code != 2 || !strings.Contains(r.stderr, "--id is required") {
		t.Errorf("remove without --id: %d %q", r.code, r.stderr)
	}

	// Audited in the company's trail.
	st, err = store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	trail, err := st.AuditEvents(context.Background(), "PLANT", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range trail {
		if strings.HasPrefix(e.Action, "webhook.") && e.Actor == "cli" {
			actions = append(actions, e.Action)
		}
	}
	if want := "webhook.add webhook.ping webhook.ping webhook.remove"; strings.Join(actions, " ") != want {
		t.Errorf("PLANT's trail: %v, want %s", actions, want)
	}
	if r := cli(t, db, "", "help", "webhook", "add"); r.code != 0 || !strings.Contains(r.stdout, "--allow-http") || !strings.Contains(r.stdout, "ownership.transferred") {
		t.Errorf("help: %q", r.stdout)
	}
}
