package notices_test

import (
	"slices"
	"testing"

	"github.com/entitle-portal/entitle/internal/notices"
)

// FuzzParseStages: stages that parse are at least one, each from 1 to
// MaxStage days, largest first, none twice; written by String they parse
// back to the same; Current gives, for any number of days left, the
// smallest stage at least that far off. .ci/fuzz-targets lists every fuzz
// target.
func FuzzParseStages(f *testing.F) {
	for _, s := range []string{
		"180,90,60,30,7", " 7, 30,180 ", "7", "1", "3660", "3661", "0", "-7", "+7", "07", "7,7", "7,,30", ",", "", " ",
		"7;30", "7 30", "1e2", "0x10", "99999999999999999999", "30,7,180,90,60", "１", "7,\t30\n",
	} {
		f.Add(s, 30)
	}
	f.Add("180,90", -1)
	f.Add("180,90", 181)
	f.Fuzz(func(t *testing.T, s string, daysLeft int) {
		st, err := notices.ParseStages(s)
		if err != nil {
			if st != nil {
				t.Fatalf("ParseStages(%q) = %v with %v", s, st, err)
			}
			return
		}
		if len(st) == 0 {
			t.Fatalf("ParseStages(%q) = no stages", s)
		}
		for i, n := range st {
			if n < 1 || n > notices.MaxStage || i > 0 && st[i-1] <= n {
				t.Fatalf("ParseStages(%q) = %v", s, st)
			}
		}
		back, err := notices.ParseStages(st.String())
		if err != nil || !slices.Equal(back, st) {
			t.Fatalf("ParseStages(%q) = %v, written %q, which parses to %v, %v", s, st, st.String(), back, err)
		}
		stage, ok := st.Current(daysLeft)
		want, wantOK := 0, false
		for _, n := range st {
			if daysLeft >= 0 && n >= daysLeft {
				want, wantOK = n, true // the last such is the smallest
			}
		}
		if stage != want || ok != wantOK {
			t.Fatalf("%v.Current(%d) = %d, %v; want %d, %v", st, daysLeft, stage, ok, want, wantOK)
		}
	})
}
