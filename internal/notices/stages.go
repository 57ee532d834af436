package notices

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Stages are the numbers of days before an end date at which notices go
// out, largest first, e.g. 180, 90, 60, 30, 7. It is a flag.Value
// ("180,90,60,30,7").
type Stages []int

// DefaultStages are the stages of a deployment that sets none.
var DefaultStages = Stages{180, 90, 60, 30, 7}

// MaxStage bounds a stage: ten years.
const MaxStage = 3660

// ParseStages parses a comma-separated list of whole numbers of days, e.g.
// "180,90,60,30,7", in any order.
func ParseStages(s string) (Stages, error) {
	var out Stages
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number of days", f)
		}
		out = append(out, n)
	}
	return out.normalize()
}

// normalize returns the stages largest first, checking that there is at
// least one, each between 1 and MaxStage days and none twice.
func (s Stages) normalize() (Stages, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("give at least one stage, e.g. 180,90,60,30,7")
	}
	out := slices.Clone(s)
	slices.Sort(out)
	slices.Reverse(out)
	for i, n := range out {
		if n < 1 || n > MaxStage {
			return nil, fmt.Errorf("a stage is a number of days from 1 to %d, not %d", MaxStage, n)
		}
		if i > 0 && out[i-1] == n {
			return nil, fmt.Errorf("stage %d is given twice", n)
		}
	}
	return out, nil
}

// Set parses a flag value.
func (s *Stages) Set(v string) error {
	p, err := ParseStages(v)
	if err != nil {
		return err
	}
	*s = p
	return nil
}

func (s Stages) String() string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// Words is the stages for people: "180, 90, 60, 30 and 7 days".
func (s Stages) Words() string {
	if len(s) == 0 {
		return "no stages"
	}
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	last := parts[len(parts)-1]
	if len(parts) == 1 {
		return last + " " + days(s[0])
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + last + " days"
}

// Current returns the stage of an entitlement with daysLeft days left: the
// smallest stage ≥ daysLeft. ok is false when it has ended (daysLeft < 0) or
// is further away than the largest stage. s must be normalized (largest
// first).
func (s Stages) Current(daysLeft int) (stage int, ok bool) {
	if daysLeft < 0 {
		return 0, false
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] >= daysLeft {
			return s[i], true
		}
	}
	return 0, false
}

func days(n int) string {
	if n == 1 {
		return "day"
	}
	return "days"
}
