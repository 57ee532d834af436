package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestRevocationRace: two `entitle serve` processes on one database (SPEC
// §6: several processes agree at once; a revoked delegation is revoked for
// all of them). In each of 500 rounds the owner grants a delegation (on one
// process or the other), the delegate sees the entitlement on process B,
// the owner revokes it on process A, and the moment A acknowledges the
// revoke the delegate asks B again: B must answer 404, every round (and
// 200 before the revoke, every round: a grant is seen at once too). The
// processes swap roles every round; every request goes over a keep-alive
// connection.
func TestRevocationRace(t *testing.T) {
	rounds := 500
	if raceDetector {
		rounds = 50
	}
	started := time.Now()
	db := storetest.DSN(t)
	p := newChannel(t, db, 1)[0]
	procs := []*process{startServe(t, db), startServe(t, db)}
	hc := newHTTPClient(4)
	owner, delegate := apiClient{hc, p.ownerToken}, apiClient{hc, p.delegateToken}
	ctx := context.Background()
	name := func(pr *process) string { return fmt.Sprintf("process %d (%s)", slices.Index(procs, pr)+1, pr.url) }
	send := func(c apiClient, method, url string, body any, want int) []byte {
		t.Helper()
		status, data, err := c.do(ctx, method, url, body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		if status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, url, status, data, want)
		}
		return data
	}

	var stale []string
	var after []time.Duration // from the revoke's acknowledgement to B's answer
	for r := range rounds {
		a, b := procs[r%2], procs[1-r%2]
		granter := procs[(r/2)%2]
		sub := p.subs[r%len(p.subs)]
		var d struct{ ID string }
		if err := json.Unmarshal(send(owner, "POST", granter.url+"/api/v1/delegations",
			map[string]any{"delegate": p.delegate, "subscription_ids": []string{sub}}, 201), &d); err != nil || d.ID == "" {
			t.Fatalf("round %d: grant: %v", r+1, err)
		}
		// B shows the grant: its 404 after the revoke then means something.
		if status, data, err := delegate.do(ctx, "GET", b.url+"/api/v1/entitlements/"+sub, nil); err != nil {
			t.Fatalf("round %d: GET on %s: %v", r+1, name(b), err)
		} else if status != 200 {
			stale = append(stale, fmt.Sprintf("round %d: delegation %s of %s granted on %s, acknowledged; then %s answered %d %.200s",
				r+1, d.ID, sub, name(granter), name(b), status, data))
		}
		send(owner, "DELETE", a.url+"/api/v1/delegations/"+d.ID, nil, 204)
		acked := time.Now()
		status, data, err := delegate.do(ctx, "GET", b.url+"/api/v1/entitlements/"+sub, nil)
		after = append(after, time.Since(acked))
		if err != nil {
			t.Fatalf("round %d: GET on %s: %v", r+1, name(b), err)
		}
		if status != 404 || !strings.Contains(string(data), `"not_found"`) {
			stale = append(stale, fmt.Sprintf("round %d: delegation %s of %s (granted on %s) revoked on %s, acknowledged; then %s answered %d %.200s",
				r+1, d.ID, sub, name(granter), name(a), name(b), status, data))
		}
	}
	for _, s := range stale {
		t.Errorf("STALE: %s", s)
	}
	slices.Sort(after)
	t.Logf("%d rounds, %d stale answers; the 404 came %v after the revoke's acknowledgement (median; p99 %v, max %v); %s",
		rounds, len(stale), after[len(after)/2].Round(time.Microsecond), after[len(after)*99/100].Round(time.Microsecond),
		after[len(after)-1].Round(time.Microsecond), time.Since(started).Round(time.Millisecond))
	procs[0].stop(t)
	procs[1].stop(t)
	auditVerify(t, db, "after the rounds")
}
