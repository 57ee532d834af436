//go:build race

package oracle

// raceWorlds is how many worlds TestOracle checks by default under the race
// detector: its pointer checks make the pure-Go SQLite some fifteen times
// slower, and 300 worlds would take minutes. CI runs the 300 without it.
const raceWorlds = 20
