package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/store"
)

func userAddCommand() command {
	return command{
		name:    "user add",
		args:    "--company KEY --email E --name N [--admin] [--password-stdin]",
		summary: "add a user to a company",
		help: `Adds a user who signs in with email and password and sees what the
company may see. The password (at least 12 characters, not easily guessed,
not containing the email or the company's name) is read from standard input with --password-stdin (first line), else asked
for on the terminal. Only its argon2id hash is stored.`,
		run: runUserAdd,
	}
}

func runUserAdd(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "company key (required)")
	email := f.String("email", "", "email address, unique across the portal (required)")
	name := f.String("name", "", "the person's name (required)")
	admin := f.Bool("admin", false, "make the user an administrator of the company")
	fromStdin := f.Bool("password-stdin", false, "read the password from the first line of standard input")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	}
	var missing []string
	for flagName, v := range map[string]string{"--company": *company, "--email": *email, "--name": *name} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, flagName)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return errUsage{"missing " + strings.Join(missing, ", ")}
	}
	u := entitle.User{Email: entitle.NormalizeEmail(*email), Name: strings.TrimSpace(*name), Company: *company, Admin: *admin, Status: entitle.UserActive}
	if err := u.Validate(); err != nil {
		return err
	}
	password, err := readPassword(e, *fromStdin)
	if err != nil {
		return err
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	co, err := db.Company(ctx, u.Company)
	if errors.Is(err, entitle.ErrNotFound) {
		return fmt.Errorf("no company with key %s", u.Company)
	}
	if err != nil {
		return err
	}
	if err := auth.CheckNewPassword(password, auth.PasswordOwner{Email: u.Email, CompanyName: co.Name, CompanyKey: co.Key}); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u, err = db.AddUser(ctx, u, hash, e.now())
	if err != nil {
		return err
	}
	role := "member"
	if u.Admin {
		role = "administrator"
	}
	if err := db.Audit(ctx, entitle.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company, Action: "user.add", Object: u.Email, Outcome: "ok", Detail: role}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s (%s) to %s as %s\n", u.Email, u.Name, u.Company, role)
	return nil
}

func readPassword(e *env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	in, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", errUsage{"give the password on standard input with --password-stdin"}
	}
	fmt.Fprint(e.stderr, "Password: ")
	p1, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Again: ")
	p2, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errors.New("the passwords differ")
	}
	return string(p1), nil
}

// userByEmail finds a user, with a clear message when there is none.
func userByEmail(ctx context.Context, e *env, db *store.DB, email string) (entitle.UserRecord, error) {
	u, err := db.UserByEmail(ctx, email)
	if errors.Is(err, entitle.ErrNotFound) {
		return u, entitle.Errorf(entitle.CodeNotFound, "no user with email %s", entitle.NormalizeEmail(email))
	}
	return u, err
}

// openUser is the common part of the commands about one user: it defines
// --email on f (the command has defined its own flags), parses args (no
// positional arguments), opens the store and finds the user. The caller
// closes the store.
func openUser(ctx context.Context, e *env, f *flags, args []string) (*store.DB, entitle.UserRecord, error) {
	email := f.String("email", "", "the user's email (required)")
	pos, err := f.parse(args)
	if err != nil {
		return nil, entitle.UserRecord{}, err
	}
	if len(pos) > 0 {
		return nil, entitle.UserRecord{}, errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	}
	if *email == "" {
		return nil, entitle.UserRecord{}, errUsage{"missing --email"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return nil, entitle.UserRecord{}, err
	}
	u, err := userByEmail(ctx, e, db, *email)
	if err != nil {
		db.Close()
		return nil, entitle.UserRecord{}, err
	}
	return db, u, nil
}
