//go:build race

package main

// raceDetector says that the test binary — and so every entitle process
// the tests start from it — runs with the race detector: many times slower
// (SQLite, compiled from C to Go, the most), so the tests of real processes
// take smaller sizes, or leave their run to a step of CI of their own.
const raceDetector = true
