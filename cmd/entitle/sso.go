package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/sso"
	"github.com/entitle-portal/entitle/internal/store"
)

// The vendor's single sign-on commands: each company's OpenID Connect
// provider, through internal/sso as the console (the vendor's
// administrator "cli"), exactly as the portal's Vendor › Single sign-on
// page sets it.

func ssoSetCommand() command {
	return command{
		name:    "sso set",
		args:    "COMPANY --issuer URL --client-id ID --client-secret-file FILE --domains a.com,b.com [--password-login=false]",
		summary: "set a company's single sign-on (OpenID Connect)",
		help: `Makes the addresses of the given email domains sign in at the company's
OpenID Connect provider instead of with a password. A person's first sign-in
makes them a member of COMPANY (never an administrator); a domain belongs to
one company only. Register the portal at the provider as a web application
with the redirect URI BASE_URL/sso/callback (see 'entitle sso show').

The client secret is read from --client-secret-file (the first line; "-" is
standard input), never from a flag, and stored encrypted. When changing a
company's configuration, leave --client-secret-file out to keep its secret.
--password-login=false refuses the company's users a password sign-in (with
the answer of a wrong password). The provider is asked for its discovery
document first (--check=false skips that).`,
		run: runSSOSet,
	}
}

func ssoShowCommand() command {
	return command{name: "sso show", args: "COMPANY [--base-url URL]", summary: "show a company's single sign-on", run: runSSOShow}
}

func ssoListCommand() command {
	return command{name: "sso list", args: "", summary: "list the companies with single sign-on", run: runSSOList}
}

func ssoRemoveCommand() command {
	return command{name: "sso remove", args: "COMPANY", summary: "remove a company's single sign-on (its users sign in with passwords again)", run: runSSORemove}
}

// console opens the store and the single sign-on service, and returns the
// vendor's console actor.
func ssoConsole(ctx context.Context, e *env, f *flags, baseURL string) (*store.DB, *sso.Service, entitle.Actor, error) {
	db, err := f.open(ctx)
	if err != nil {
		return nil, nil, entitle.Actor{}, err
	}
	vendor, err := db.VendorKey(ctx)
	if err != nil {
		db.Close()
		return nil, nil, entitle.Actor{}, err
	}
	if vendor == "" {
		db.Close()
		return nil, nil, entitle.Actor{}, errors.New("the database has no vendor company yet: import it first (a company record of kind vendor)")
	}
	p := wire(db, settings{now: e.now, baseURL: baseURL})
	return db, p.sso, entitle.Actor{Company: vendor, Vendor: true, Admin: true, Email: "cli"}, nil
}

func oneCompany(pos []string) (string, error) {
	if len(pos) != 1 {
		return "", errUsage{"name one company key"}
	}
	return pos[0], nil
}

func runSSOSet(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	issuer := f.String("issuer", "", "the provider's issuer URL (required)")
	clientID := f.String("client-id", "", "the client ID the provider gave the portal (required)")
	secretFile := f.String("client-secret-file", "", `a file whose first line is the client secret ("-": standard input); required the first time`)
	domains := f.String("domains", "", "the email domains the company vouches for, comma-separated (required)")
	passwords := f.Bool("password-login", true, "whether the company's users may still sign in with a password")
	check := f.Bool("check", true, "ask the provider for its discovery document first")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	company, err := oneCompany(pos)
	if err != nil {
		return err
	}
	var missing []string
	for name, v := range map[string]string{"--issuer": *issuer, "--client-id": *clientID, "--domains": *domains} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return errUsage{"missing " + strings.Join(slices.Sorted(slices.Values(missing)), ", ")}
	}
	secret := ""
	if *secretFile != "" {
		if secret, err = readSecret(e, *secretFile); err != nil {
			return err
		}
	}
	db, svc, a, err := ssoConsole(ctx, e, f, "")
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := svc.Set(ctx, a, "entitle sso set", sso.Setting{Company: company, Issuer: *issuer, ClientID: *clientID, ClientSecret: secret,
		Domains: []string{*domains}, PasswordLogin: *passwords, Check: *check})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s signs in at %s: %s\n", cfg.Company, cfg.Issuer, strings.Join(cfg.Domains, ", "))
	if !cfg.PasswordLogin {
		fmt.Fprintf(e.stdout, "Password sign-in is refused for %s's users.\n", cfg.Company)
	}
	return nil
}

func readSecret(e *env, name string) (string, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return "", fmt.Errorf("cannot read the client secret: %w", err)
		}
		defer fh.Close()
		r = fh
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("cannot read the client secret: %w", err)
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("the client secret file %s is empty: its first line must be the secret", name)
	}
	return line, nil
}

func runSSOShow(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	baseURL := f.String("base-url", "http://127.0.0.1:8080", "the portal's address as users reach it, for the redirect URI")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	company, err := oneCompany(pos)
	if err != nil {
		return err
	}
	db, svc, a, err := ssoConsole(ctx, e, f, *baseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := svc.Config(ctx, a, "entitle sso show", company)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "company:\t%s\n", cfg.Company)
	fmt.Fprintf(tw, "issuer:\t%s\n", cfg.Issuer)
	fmt.Fprintf(tw, "client ID:\t%s\n", cfg.ClientID)
	fmt.Fprintf(tw, "client secret:\t(set, stored encrypted)\n")
	fmt.Fprintf(tw, "domains:\t%s\n", strings.Join(cfg.Domains, ", "))
	fmt.Fprintf(tw, "password sign-in:\t%s\n", map[bool]string{true: "allowed", false: "refused"}[cfg.PasswordLogin])
	fmt.Fprintf(tw, "redirect URI:\t%s\n", svc.RedirectURI())
	fmt.Fprintf(tw, "changed:\t%s by %s\n", cfg.UpdatedAt.Format("2006-01-02 15:04 MST"), cfg.UpdatedBy)
	return tw.Flush()
}

func runSSOList(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	}
	db, svc, a, err := ssoConsole(ctx, e, f, "")
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := svc.Configs(ctx, a, "entitle sso list")
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "No company signs in with single sign-on (entitle sso set adds one).")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPANY\tISSUER\tDOMAINS\tPASSWORDS")
	for _, x := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.Company, x.Issuer, strings.Join(x.Domains, ","), map[bool]string{true: "allowed", false: "refused"}[x.PasswordLogin])
	}
	return tw.Flush()
}

func runSSORemove(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	company, err := oneCompany(pos)
	if err != nil {
		return err
	}
	db, svc, a, err := ssoConsole(ctx, e, f, "")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := svc.Remove(ctx, a, "entitle sso remove", company); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s's single sign-on is removed: its users sign in with a password again.\n", company)
	return nil
}
