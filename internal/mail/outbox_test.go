package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// readOutbox returns the names of the files in dir, failing on anything
// that is not a finished .eml file (a leftover temporary file, say).
func readOutbox(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".eml") {
			t.Errorf("outbox holds %q, which is not an .eml file", e.Name())
			continue
		}
		names = append(names, e.Name())
	}
	return names
}

// emlName is the documented file-name shape: UTC time, random suffix.
var emlName = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{16}\.eml$`)

func TestOutboxWritesOneFilePerMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox") // Send creates it
	clock := time.Date(2026, 12, 1, 21, 30, 0, 0, time.FixedZone("CET", 3600))
	o := Outbox{
		Dir:  dir,
		From: "Entitle <noreply@example.com>",
		Now: func() time.Time {
			clock = clock.Add(time.Second)
			return clock
		},
	}
	subjects := []string{"first", "second", "third", "fourth"}
	for _, s := range subjects {
		err := o.Send(context.Background(), Message{To: []string{"bob@example.com"}, Subject: s, Text: "body of " + s})
		if err != nil {
			t.Fatal(err)
		}
	}

	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); !info.IsDir() || perm&^0o750 != 0 {
		t.Errorf("outbox directory mode = %v, want at most 0750", info.Mode())
	}
	names := readOutbox(t, dir)
	if len(names) != len(subjects) {
		t.Fatalf("outbox holds %d files, want %d: %q", len(names), len(subjects), names)
	}
	if !slices.IsSorted(names) { // ReadDir sorts by name: check the names sort by time
		t.Fatalf("names not sorted: %q", names)
	}
	if !strings.HasPrefix(names[0], "20261201T203001.000000000Z-") {
		t.Errorf("first file %q does not start with the UTC send time", names[0])
	}
	for i, name := range names {
		if !emlName.MatchString(name) {
			t.Errorf("file name %q does not have the documented shape", name)
		}
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600 (invitations carry secrets)", name, fi.Mode())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		msg := parse(t, data)
		if got := msg.Header.Get("Subject"); got != subjects[i] {
			t.Errorf("file %d (%s): Subject = %q, want %q (sorted by send time)", i, name, got, subjects[i])
		}
		if got := msg.Header.Get("From"); got != `"Entitle" <noreply@example.com>` {
			t.Errorf("file %d: From = %q, want the Outbox default", i, got)
		}
		if got := decodeQP(t, msg.Body); got != "body of "+subjects[i] {
			t.Errorf("file %d: body = %q", i, got)
		}
	}
}

func TestOutboxConcurrentSends(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 21, 30, 0, 0, time.UTC)
	// A clock that never moves: only the random suffix keeps names apart.
	o := Outbox{Dir: dir, From: "a@example.com", Now: func() time.Time { return now }}
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- o.Send(context.Background(), Message{To: []string{"b@example.com"}, Subject: fmt.Sprint(i), Text: "x"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	names := readOutbox(t, dir)
	if len(names) != n {
		t.Fatalf("outbox holds %d files, want %d", len(names), n)
	}
	seen := map[string]bool{}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		seen[parse(t, data).Header.Get("Subject")] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages in %d files", len(seen), n)
	}
}

func TestOutboxRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	good := Message{From: "a@example.com", To: []string{"b@example.com"}, Text: "x"}
	noFrom := good
	noFrom.From = ""

	for _, tc := range []struct {
		name string
		o    Outbox
		ctx  context.Context
		m    Message
		want string
	}{
		{"no dir", Outbox{}, context.Background(), good, "Outbox.Dir"},
		{"dir is a file", Outbox{Dir: file}, context.Background(), good, "create outbox directory"},
		{"no From anywhere", Outbox{Dir: dir}, context.Background(), noFrom, "From"},
		{"bad message", Outbox{Dir: dir}, context.Background(), Message{From: "a@example.com", To: []string{"Bob <b@example.com>"}, Text: "x"}, "To[0]"},
		{"canceled", Outbox{Dir: dir}, canceled, good, context.Canceled.Error()},
	} {
		err := tc.o.Send(tc.ctx, tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Send = %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	if !errors.Is(Outbox{Dir: dir}.Send(canceled, good), context.Canceled) {
		t.Errorf("a canceled Send does not report context.Canceled")
	}
	// Nothing was written, and nothing left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("outbox holds %d entries after refused sends, want only the plain file", len(entries))
	}
}
