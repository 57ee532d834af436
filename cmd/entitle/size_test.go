package main

import "testing"

// TestByteSize: serve's --import-max-bytes and --import-sync-bytes take
// plain bytes or KiB, MiB, GiB, and refuse anything else.
func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "256MiB": 256 << 20, "512 KiB": 512 << 10, "2gib": 2 << 30, "1000": 1000} {
		var s byteSize
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("%q: %d %v, want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1.5MiB", "MiB", "10MB", "ten", "99999999999GiB"} {
		var s byteSize
		if err := s.Set(in); err == nil {
			t.Errorf("%q was taken as %d", in, s)
		}
	}
	for n, want := range map[int64]string{256 << 20: "256MiB", 1 << 30: "1GiB", 1000: "1000", 3 << 10: "3KiB"} {
		s := byteSize(n)
		if got := s.String(); got != want {
			t.Errorf("%d prints %q, want %q", n, got, want)
		}
	}
}
