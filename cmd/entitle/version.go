package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release's version, stamped in by the release build
// (make release: -ldflags "-X main.version=v1.2.3"). The linker can set only
// a package-level string, hence this one variable; nothing assigns it at run
// time. Empty in other builds: buildVersion reads the build information.
var version string

func versionCommand() command {
	return command{
		name:    "version",
		args:    "[--json]",
		summary: "print the version of this build",
		help: `Prints the version of this build: the release's version (make release stamps
it in), else the module version go build recorded; the commit and its time when
the build knew them (a "-dirty" commit had changes not committed); the Go
version and platform. /healthz and /readyz answer the same version.`,
		run: runVersion,
	}
}

func runVersion(ctx context.Context, e *env, c command, args []string) error {
	f := newBareFlags(e, c)
	asJSON := f.Bool("json", false, "print it as JSON, for programs")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"version takes no arguments"}
	}
	b := readBuild()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	_, err = fmt.Fprintln(e.stdout, b.String())
	return err
}

// build is what a binary knows of how it was built.
type build struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`      // short; "-dirty" when built with changes not committed
	Time     string `json:"commit_time,omitempty"` // the commit's time (RFC 3339): builds are reproducible, they record no time of their own
	Go       string `json:"go"`
	Platform string `json:"platform"` // GOOS/GOARCH
}

// readBuild reads the build: the stamped version first, else the module
// version go build recorded ("devel" for a build from a work tree, where
// go build records none), with the commit when the build recorded it.
func readBuild() build {
	b := build{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value[:min(7, len(s.Value))]
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && b.Commit != "" {
			b.Commit += "-dirty"
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// String is the line `entitle version` prints, e.g. "entitle v1.2.3
// (commit abc1234 of 2026-12-06T10:00:00Z, go1.27.3 linux/amd64)".
func (b build) String() string {
	s := "entitle " + b.Version + " ("
	if b.Commit != "" {
		s += "commit " + b.Commit
		if b.Time != "" {
			s += " of " + b.Time
		}
		s += ", "
	}
	return s + b.Go + " " + b.Platform + ")"
}
