package entitle

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// Decimal is an exact decimal amount kept in its textual form, e.g. "120.00".
// Amounts are never floats: they are read from and written as JSON strings.
type Decimal string

var decimalRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$`)

// Validate checks that d is a non-negative decimal of at most 18 integer and
// 6 fractional digits.
func (d Decimal) Validate() error {
	if d == "" {
		return fmt.Errorf("required (a decimal string such as \"120.00\")")
	}
	if !decimalRE.MatchString(string(d)) {
		return fmt.Errorf("%q is not a non-negative decimal such as \"120.00\"", clip(string(d)))
	}
	return nil
}

func (d Decimal) rat() *big.Rat {
	r, ok := new(big.Rat).SetString(string(d))
	if !ok {
		return new(big.Rat)
	}
	return r
}

func scale(d Decimal) int {
	if i := strings.IndexByte(string(d), '.'); i >= 0 {
		return len(d) - i - 1
	}
	return 0
}

// Times returns d × n exactly, keeping d's number of decimals.
func (d Decimal) Times(n int64) Decimal {
	r := new(big.Rat).Mul(d.rat(), new(big.Rat).SetInt64(n))
	return Decimal(r.FloatString(scale(d)))
}

// Sum adds amounts exactly; the result keeps the largest number of decimals.
func Sum(ds ...Decimal) Decimal {
	total, sc := new(big.Rat), 0
	for _, d := range ds {
		total.Add(total, d.rat())
		sc = max(sc, scale(d))
	}
	return Decimal(total.FloatString(sc))
}

// PlusPercent returns d increased by pct percent (d × (1 + pct/100)),
// rounded half away from zero to d's number of decimals (at least 2): a
// price with a premium.
func (d Decimal) PlusPercent(pct Decimal) Decimal {
	f := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(pct.rat(), big.NewRat(100, 1)))
	return Decimal(new(big.Rat).Mul(d.rat(), f).FloatString(max(scale(d), 2)))
}
