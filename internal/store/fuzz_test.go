package store

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The fuzz targets of the audit chain (auditchain.go), without a database:
// the verifier walks events held in memory, as VerifyAudit walks them from
// a snapshot, and a checkpoint is read as `entitle audit verify
// --checkpoint` reads it. Their seeds are below and in testdata/fuzz;
// .ci/fuzz-targets lists every target. These are internal tests (package
// store): the chain's records and its verifier are unexported.

// Ways to tamper with a trail, for FuzzAuditChain.
const (
	tamperEdit         = iota // a string field of one event changed
	tamperAt                  // one event's time changed
	tamperShift               // a byte moved from one field to the next
	tamperDelete              // one event deleted
	tamperSwap                // two events' contents swapped (ids kept)
	tamperRehash              // one event edited and its hash recomputed
	tamperRewrite             // one event edited, the chain from it recomputed, the head moved
	tamperTruncate            // the events from one on deleted
	tamperTruncateHead        // the same, and the head set back to the new end
	tamperUnhash              // one event's hash removed
	tampers
)

// FuzzAuditChain: a trail appended through the chain verifies, with every
// checkpoint made of it; a trail tampered with in any way the chain is
// meant to show is refused, naming the first bad event; a trail rewritten
// consistently from some event on (hashes and head recomputed, which needs
// no secret) is refused by a checkpoint made before.
func FuzzAuditChain(f *testing.F) {
	for _, s := range []struct {
		contents string
		edit     string
	}{
		{"greta@schnell.example|SCHNELL|entitlement.get|SUB-310501|vendor|ok|", "SUB-310502"},
		{"cli||import|channel.jsonl||ok|3 companies", "4 companies"},
		{"a|b|c|d|e|f|g", ""},
		{"ab|", "a"},
		{"", "x"},
		{"|||||||", "\x00"},
		{"x\x00y|\xff|é", "x"},
	} {
		for op := range uint8(tampers) {
			f.Add(uint8(5), s.contents, op, uint8(2), uint8(op), s.edit)
		}
	}
	f.Add(uint8(1), "a|b", uint8(tamperEdit), uint8(0), uint8(0), "b")
	f.Add(uint8(8), "a|b", uint8(tamperSwap), uint8(7), uint8(3), "")
	f.Fuzz(func(t *testing.T, count uint8, contents string, op, at, field uint8, edit string) {
		n := 1 + int(count)%8
		parts := strings.Split(contents, "|")
		var evs []storedEvent
		tip := link{hash: genesis}
		for i := range n {
			p := func(j int) string { return parts[(7*i+j)%len(parts)] }
			r := auditRecord{at: 1_780_315_200_000_000 + int64(i)*1_000_003, actor: p(0), company: p(1), action: p(2),
				object: p(3), basis: p(4), outcome: p(5), detail: p(6)}
			tip = extend(tip, &r)
			evs = append(evs, storedEvent{r, tip.hash})
		}
		head := chainHead{last: tip, gaplessFrom: 1}
		end := checkpointOf(evs[n-1], int64(n))
		mid := checkpointOf(evs[n/2], int64(n/2+1))
		v := verifyEvents(t, evs, head, end, mid)
		if v.Problem != nil || v.Events != int64(n) || v.LastID != int64(n) || !bytes.Equal(v.LastHash, tip.hash) || v.Checkpoints != 2 {
			t.Fatalf("the trail as appended: %+v, %+v", v, v.Problem)
		}

		k := int(at) % n
		bad := cloneEvents(evs)
		var want []int64 // the ids the problem may name
		switch op % tampers {
		case tamperEdit, tamperRehash, tamperRewrite:
			s := bad[k].field(int(field) % 7)
			if *s == edit {
				return
			}
			*s = edit
			switch op % tampers {
			case tamperEdit:
				want = []int64{bad[k].id}
			case tamperRehash:
				bad[k].hash = chainHash(prevHash(bad, k), &bad[k].auditRecord)
				want = []int64{bad[k].id, bad[k].id + 1} // the head, or the next event
			case tamperRewrite:
				for i := k; i < n; i++ {
					bad[i].hash = chainHash(prevHash(bad, i), &bad[i].auditRecord)
				}
				head.last = link{bad[n-1].id, bad[n-1].hash}
				// Without a checkpoint, nothing tells this trail from a
				// genuine one: that is what checkpoints are for.
				if v := verifyEvents(t, bad, head); v.Problem != nil {
					t.Fatalf("a consistent rewrite: %+v", v.Problem)
				}
				want = []int64{end.LastID} // the first checkpoint after the edit
				if k <= n/2 {
					want = []int64{mid.LastID}
				}
			}
		case tamperAt:
			bad[k].at += 1 + int64(len(edit))
			want = []int64{bad[k].id}
		case tamperShift:
			j := int(field) % 6
			from, to := bad[k].field(j), bad[k].field(j+1)
			if *from == "" {
				return
			}
			*from, *to = (*from)[:len(*from)-1], (*from)[len(*from)-1:]+*to
			want = []int64{bad[k].id}
		case tamperDelete:
			want = []int64{bad[k].id}
			bad = append(bad[:k], bad[k+1:]...)
		case tamperSwap:
			if k == n-1 {
				return
			}
			bad[k].auditRecord, bad[k+1].auditRecord = bad[k+1].auditRecord, bad[k].auditRecord
			bad[k].id, bad[k+1].id = evs[k].id, evs[k+1].id
			want = []int64{bad[k].id}
		case tamperTruncate, tamperTruncateHead:
			want = []int64{bad[k].id}
			bad = bad[:k]
			if op%tampers == tamperTruncateHead {
				head.last = link{hash: genesis}
				if k > 0 {
					head.last = link{bad[k-1].id, bad[k-1].hash}
				}
				if v := verifyEvents(t, bad, head); v.Problem != nil {
					t.Fatalf("a trail cut with its head: %+v", v.Problem)
				}
			}
		case tamperUnhash:
			bad[k].hash = nil
			want = []int64{bad[k].id}
		}
		v = verifyEvents(t, bad, head, end, mid)
		if v.Problem == nil {
			t.Fatalf("tampered (%d at event %d) and not refused: %+v", op%tampers, k+1, v)
		}
		if !containsID(want, v.Problem.ID) {
			t.Fatalf("tampered (%d at event %d): the problem names event %d, want one of %v: %s", op%tampers, k+1, v.Problem.ID, want, v.Problem.Text)
		}
	})
}

// field returns the string field i (0 to 6) of e, in canonical order.
func (e *storedEvent) field(i int) *string {
	return [...]*string{&e.actor, &e.company, &e.action, &e.object, &e.basis, &e.outcome, &e.detail}[i]
}

func prevHash(evs []storedEvent, i int) []byte {
	if i == 0 {
		return genesis
	}
	return evs[i-1].hash
}

func cloneEvents(evs []storedEvent) []storedEvent {
	out := make([]storedEvent, len(evs))
	for i, e := range evs {
		out[i] = e
		out[i].hash = bytes.Clone(e.hash)
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, i := range ids {
		if i == id {
			return true
		}
	}
	return false
}

func checkpointOf(e storedEvent, events int64) AuditCheckpoint {
	return AuditCheckpoint{LastID: e.id, LastHash: hex.EncodeToString(e.hash), Events: events, At: time.Unix(1_780_315_200, 0)}
}

// verifyEvents is VerifyAudit over evs, in id order, as read from a
// snapshot.
func verifyEvents(t *testing.T, evs []storedEvent, head chainHead, cps ...AuditCheckpoint) AuditVerification {
	t.Helper()
	next := func(id int64) (*storedEvent, error) {
		for i := range evs {
			if evs[i].id > id {
				e := evs[i]
				return &e, nil
			}
		}
		return nil, nil
	}
	v := newVerifier(head, false, cps, next)
	for i := range evs {
		if err := v.step(&evs[i]); err != nil {
			t.Fatal(err)
		}
		if v.problem != nil {
			return v.result()
		}
	}
	v.end()
	return v.result()
}

// FuzzAuditCheckpoint: a checkpoint file, read as `entitle audit verify
// --checkpoint` reads it, passes Verify only when each checkpoint says
// exactly what was signed (the same event, hash, count and time), however
// its JSON was written; what passes, written again, passes again.
func FuzzAuditCheckpoint(f *testing.F) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	hash := sha256.Sum256([]byte("the trail"))
	signed := NewAuditCheckpoint(AuditVerification{LastID: 42, LastHash: hash[:], Events: 41}, time.Date(2026, 6, 1, 12, 0, 0, 123456789, time.UTC), key)
	line, err := json.Marshal(signed)
	if err != nil {
		f.Fatal(err)
	}
	edit := func(old, new string) []byte { return bytes.Replace(line, []byte(old), []byte(new), 1) }
	for _, s := range [][]byte{
		line, append(append(line, '\n'), line...), edit(`"last_id":42`, `"last_id":43`), edit(`"events":41`, `"events":42`),
		edit(signed.LastHash, strings.ToUpper(signed.LastHash)), edit(signed.LastHash[:2], "00"), edit(`.123456789Z`, `.123456789+00:00`),
		edit(`12:00:00.123456789Z`, `14:00:00.123456789+02:00`), edit(`.123456789Z`, `.12345678Z`), edit(`"last_id":42`, `"last_id":42.0`),
		edit(`"last_id":42`, `"last_id":4.2e1`), edit(`"last_id":42`, `"last_id":42,"last_id":43`), edit(`{`, `{"extra":1,`),
		edit(signed.Signature[len(signed.Signature)-3:], "AA=="), edit(signed.PublicKey[:4], "AAAA"), edit(`"last_id":42`, `"Last_ID":42`),
		edit(`"events":41`, `"events":-1`), []byte(`{}`), []byte(``), []byte(`null`), []byte(`[]`),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		for range 10 {
			var cp AuditCheckpoint
			if err := dec.Decode(&cp); err != nil {
				return
			}
			if cp.Verify(pub) != nil {
				continue
			}
			if cp.LastID != signed.LastID || !strings.EqualFold(cp.LastHash, signed.LastHash) || cp.Events != signed.Events || !cp.At.Equal(signed.At) {
				t.Fatalf("a checkpoint verifies that says %+v; what was signed is %+v", cp, signed)
			}
			again, err := json.Marshal(cp)
			if err != nil {
				t.Fatal(err)
			}
			var back AuditCheckpoint
			if err := json.Unmarshal(again, &back); err != nil || back.Verify(pub) != nil {
				t.Fatalf("%s verifies, but written again as %s it does not: %v", data, again, err)
			}
		}
	})
}
