package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag that takes a size in bytes: plain (1048576) or with a
// binary unit (512KiB, 1MiB, 256MiB, 2GiB). It is printed the same way.
type byteSize int64

var sizeUnits = []struct {
	name  string
	bytes int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}

func (s *byteSize) String() string {
	n := int64(*s)
	for _, u := range sizeUnits {
		if n >= u.bytes && n%u.bytes == 0 {
			return fmt.Sprintf("%d%s", n/u.bytes, u.name)
		}
	}
	return strconv.FormatInt(n, 10)
}

func (s *byteSize) Set(v string) error {
	v = strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(v) > len(u.name) && strings.EqualFold(v[len(v)-len(u.name):], u.name) {
			v, mult = strings.TrimSpace(v[:len(v)-len(u.name)]), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("a size is a whole number of bytes, or of KiB, MiB or GiB (e.g. 256MiB)")
	}
	*s = byteSize(n * mult)
	return nil
}

// humanSize is n bytes for people, to one decimal (1.5 MiB).
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
