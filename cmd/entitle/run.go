package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
)

// env is the operating system as a command sees it: passed in, never
// global. (The context is passed on its own, to each command's run.)
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// describe, when set, is given a command's flags in place of running
	// it (parse hands them over and stops): how completion learns them.
	describe func(*flag.FlagSet)
}

// command is one subcommand. Each lives in its own file with its own FlagSet.
type command struct {
	name    string // one or two words, e.g. "import", "user add"
	args    string // the synopsis after the name
	summary string
	help    string // a longer explanation for `entitle CMD -h`
	run     func(ctx context.Context, e *env, c command, args []string) error
}

func commands() []command {
	return []command{
		serveCommand(), migrateCommand(), importCommand(), exportCommand(), userAddCommand(), userDisableCommand(), userEnableCommand(), userResetPasswordCommand(), userResetTwoFactorCommand(), inviteCommand(), invitationsCommand(), tokenCreateCommand(), tokenRevokeCommand(),
		auditVerifyCommand(), auditCheckpointCommand(), auditExportCommand(), auditKeygenCommand(), auditPruneCommand(), cleanupCommand(), notifyCommand(),
		webhookAddCommand(), webhookListCommand(), webhookRemoveCommand(), webhookTestCommand(),
		ssoSetCommand(), ssoShowCommand(), ssoListCommand(), ssoRemoveCommand(),
		backupCommand(), restoreCommand(),
		policyCommand(), checkCommand(), seedDemoCommand(), genCommand(), completionCommand(), versionCommand(),
	}
}

// errUsage marks an error in how a command was called (exit status 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

// errSilent reports a failure whose details were already printed.
var errSilent = errors.New("")

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runAt(ctx, args, getenv, stdin, stdout, stderr, time.Now)
}

// runAt is run with a clock, for tests.
func runAt(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, now func() time.Time) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: now}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, _, ok := lookup(args[1:]); ok {
				printCommandHelp(stdout, c, nil)
				return 0
			}
			group := len(groupCommands(args[1])) > 0
			if len(args) == 2 && group {
				printGroupHelp(stdout, args[1])
				return 0
			}
			fmt.Fprintf(stderr, "entitle: unknown command %q\n\n", strings.Join(args[1:], " "))
			if group {
				printGroupHelp(stderr, args[1])
			} else {
				printHelp(stderr)
			}
			return 2
		}
		printHelp(stdout)
		return 0
	}
	c, rest, ok := lookup(args)
	if !ok {
		if len(groupCommands(args[0])) > 0 {
			// A group alone (entitle user), or asked for help, lists its
			// subcommands; a subcommand it does not have is an error.
			if len(args) == 1 || args[1] == "-h" || args[1] == "--help" {
				printGroupHelp(stdout, args[0])
				return 0
			}
			fmt.Fprintf(stderr, "entitle: unknown command %q\n\n", strings.Join(args[:2], " "))
			printGroupHelp(stderr, args[0])
			return 2
		}
		fmt.Fprintf(stderr, "entitle: unknown command %q (run 'entitle help')\n", strings.Join(args, " "))
		return 2
	}
	err := c.run(ctx, e, c, rest)
	var usage errUsage
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "entitle %s: %s\nusage: entitle %s %s\n", c.name, usage.msg, c.name, c.args)
		return 2
	case errors.Is(err, errSilent):
		return 1
	}
	fmt.Fprintf(stderr, "entitle %s: %s\n", c.name, userMessage(err))
	return 1
}

// userMessage is the message for an error: domain errors as they are,
// problems one per line.
func userMessage(err error) string {
	var ps entitle.Problems
	if errors.As(err, &ps) {
		return "\n  " + strings.ReplaceAll(ps.Error(), "\n", "\n  ")
	}
	return err.Error()
}

func lookup(args []string) (command, []string, bool) {
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

// groupCommands are the commands of a group: the two-word commands whose
// first word is name (user add, user disable, … for "user").
func groupCommands(name string) []command {
	var out []command
	for _, c := range commands() {
		if first, _, two := strings.Cut(c.name, " "); two && first == name {
			out = append(out, c)
		}
	}
	return out
}

// printGroupHelp lists a group's subcommands, one line each.
func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: entitle %s SUBCOMMAND [flags] [args]\n\nSubcommands:\n", group)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range groupCommands(group) {
		_, sub, _ := strings.Cut(c.name, " ")
		fmt.Fprintf(tw, "  %s\t%s\n", sub, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun 'entitle help %s SUBCOMMAND' or 'entitle %s SUBCOMMAND -h' for a subcommand's flags.\n", group, group)
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `entitle is a software vendor's entitlement-information portal: every company of
the sales channel sees exactly the order and entitlement records it is entitled to.

Usage: entitle COMMAND [flags] [args]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Every command takes --db DSN (default $ENTITLE_DB, else entitle.db in the
working directory). Migrations run automatically when the database is opened.
Every flag can also be set by the environment: --metrics-addr by
$ENTITLE_METRICS_ADDR, and so on; the command line wins.
Run 'entitle help COMMAND' or 'entitle COMMAND -h' for a command's flags.
`)
}

func printCommandHelp(w io.Writer, c command, fs *flag.FlagSet) {
	if fs == nil {
		// The command defines its flags when it runs: ask it for help.
		c.run(context.Background(), &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""),
			stdout: w, stderr: io.Discard, now: time.Now}, c, []string{"-h"})
		return
	}
	fmt.Fprintf(w, "usage: entitle %s %s\n\n%s\n", c.name, c.args, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	fmt.Fprintln(w, "\nflags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// flags is a command's FlagSet with the flags every command has.
type flags struct {
	*flag.FlagSet
	cmd command
	e   *env
	db  *string
}

func newFlags(e *env, c command) *flags {
	f := newBareFlags(e, c)
	f.db = f.String("db", "entitle.db", "database: a SQLite file path or a postgres:// URL")
	return f
}

// newBareFlags is a FlagSet without --db, for the commands that open no
// database (version).
func newBareFlags(e *env, c command) *flags {
	fs := flag.NewFlagSet("entitle "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flags{FlagSet: fs, cmd: c, e: e}
}

// envName is the environment variable that sets a flag when the command
// line does not: ENTITLE_ and the flag's name in upper case, dashes as
// underscores (--metrics-addr: ENTITLE_METRICS_ADDR).
func envName(flagName string) string {
	return "ENTITLE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// commandLineOnly are the flags that consent to destroying something
// (--force: replace a file, replace the database): the operator gives them
// each time, on the command line. Their environment variable is refused, so
// that a line in an environment file cannot make every later backup or
// restore overwrite without asking.
var commandLineOnly = map[string]bool{"force": true}

// parse parses args, allowing flags after positional arguments
// (`entitle import a.jsonl --dry-run`), and returns the positional ones.
// Every flag the command line leaves out is then taken from its
// environment variable (envName), when that is set and not empty: a
// service manager's environment file configures serve without a long
// command line, and the command line still wins. A bad value from the
// environment is a usage error naming the variable.
func (f *flags) parse(args []string) ([]string, error) {
	if f.e.describe != nil {
		f.e.describe(f.FlagSet)
		return nil, flag.ErrHelp
	}
	f.VisitAll(func(fl *flag.Flag) {
		switch {
		case strings.Contains(fl.Usage, "(env ") || strings.Contains(fl.Usage, "(command line only)"):
		case commandLineOnly[fl.Name]:
			fl.Usage += " (command line only)"
		default:
			fl.Usage += " (env " + envName(fl.Name) + ")"
		}
	})
	var pos []string
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printCommandHelp(f.e.stdout, f.cmd, f.FlagSet)
				return nil, flag.ErrHelp
			}
			return nil, errUsage{err.Error()}
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var bad error
	f.VisitAll(func(fl *flag.Flag) {
		name := envName(fl.Name)
		v := f.e.getenv(name)
		if set[fl.Name] || v == "" || bad != nil {
			return
		}
		if commandLineOnly[fl.Name] {
			bad = errUsage{fmt.Sprintf("$%s is set, but -%s is taken from the command line only: unset %s, and give -%s to this command if you mean it",
				name, fl.Name, name, fl.Name)}
			return
		}
		if err := f.Set(fl.Name, v); err != nil {
			bad = errUsage{fmt.Sprintf("invalid value %q in $%s (for -%s): %v", v, name, fl.Name, err)}
		}
	})
	if bad != nil {
		return nil, bad
	}
	return pos, nil
}

// open opens the store named by --db.
func (f *flags) open(ctx context.Context) (*store.DB, error) {
	return store.Open(ctx, *f.db)
}

// isTerminal reports whether w is a terminal (for progress bars and
// human-oriented output).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
