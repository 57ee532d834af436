//go:build !race

package oracle

// raceWorlds: see race_test.go; without the race detector, the default.
const raceWorlds = 300
