package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInviteFromTheCommandLine: the operator invites the first administrator
// of a company, a user invites a co-worker; the mail lands in the outbox
// with the link; SPEC §4's refusals and the command's own are clear and
// change nothing.
func TestInviteFromTheCommandLine(t *testing.T) {
	db := newWorld(t)
	outbox := t.TempDir()
	invite := func(args ...string) cliResult {
		return cli(t, db, "", append([]string{"invite", "--outbox", outbox, "--base-url", "https://portal.example"}, args...)...)
	}
	r := invite("--company", "NOBODY", "--email", "IT@Nobody.example", "--admin")
	if r.code != 0 || !strings.Contains(r.stdout, "invited it@nobody.example to join NOBODY as an administrator") || !strings.Contains(r.stdout, "Mail is written to") {
		t.Fatalf("operator invite: %d %s %s", r.code, r.stdout, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("outbox: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	mail := strings.ReplaceAll(string(data), "=\r\n", "")
	for _, want := range []string{"To: it@nobody.example", "Maker Software invited you to join Unrelated Ltd", "https://portal.example/invitations/accept?token=3D", "administrator of Unrelated Ltd"} {
		if !strings.Contains(mail, want) {
			t.Errorf("the mail lacks %q:\n%s", want, mail)
		}
	}

	if r := cli(t, db, "a long enough password\n", "user", "add", "--company", "SHOP", "--email", "ann@shop.example", "--name", "Ann", "--password-stdin"); r.code != 0 {
		t.Fatalf("user add: %s", r.stderr)
	}
	if r := invite("--by", "ann@shop.example", "--email", "bo@shop.example"); r.code != 0 || !strings.Contains(r.stdout, "to join SHOP as a member") {
		t.Errorf("invite as a user: %d %s %s", r.code, r.stdout, r.stderr)
	}
	before := snapshot(t, db)
	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"already invited, other case": {[]string{"--company", "NORTH", "--email", "BO@shop.example"}, 1, "This co-worker has already been invited to the portal. Please invite another co-worker."},
		"an existing user":            {[]string{"--company", "NORTH", "--email", "ann@shop.example"}, 1, "already been invited"},
		"invalid address":             {[]string{"--company", "SHOP", "--email", "Bo <bo@x.example>"}, 1, "You have entered an invalid email address. Please re-enter the email address."},
		"no address":                  {[]string{"--company", "SHOP"}, 1, "Please enter email address"},
		"member invites an admin":     {[]string{"--by", "ann@shop.example", "--email", "cy@shop.example", "--admin"}, 1, "only administrators of your company may invite an administrator"},
		"unknown company":             {[]string{"--company", "GHOST", "--email", "cy@x.example"}, 1, "no company with key GHOST"},
		"unknown user":                {[]string{"--by", "ghost@x.example", "--email", "cy@x.example"}, 1, "no user with email ghost@x.example"},
		"both --company and --by":     {[]string{"--company", "SHOP", "--by", "ann@shop.example", "--email", "cy@x.example"}, 2, "either --company"},
		"neither":                     {[]string{"--email", "cy@x.example"}, 2, "either --company"},
	} {
		if r := invite(tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d %q", name, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("a refused invitation changed the database:\n%s\n---\n%s", before, after)
	}

	r = cli(t, db, "", "invitations", "--company", "SHOP")
	if r.code != 0 || !strings.Contains(r.stdout, "bo@shop.example") || !strings.Contains(r.stdout, "ann@shop.example") || !strings.Contains(r.stdout, "sent") {
		t.Errorf("invitations: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "invitations", "--company", "NORTH"); r.code != 0 || !strings.Contains(r.stdout, "NORTH has no open invitations") {
		t.Errorf("no invitations: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestInviteMailRefused: when the mail server refuses the message for good,
// the invitation stays recorded (an administrator can resend it) and the
// command says so and fails.
func TestInviteMailRefused(t *testing.T) {
	db := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("554 5.3.2 no service for you\r\n"))
			c.Close()
		}
	}()
	r := cli(t, db, "", "invite", "--company", "SHOP", "--email", "cy@shop.example", "--smtp-addr", ln.Addr().String(), "--smtp-tls", "none")
	if r.code != 1 || !strings.Contains(r.stderr, "its mail was not delivered") || !strings.Contains(r.stderr, "554") {
		t.Errorf("refused: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "invitations", "--company", "SHOP"); !strings.Contains(r.stdout, "cy@shop.example") || !strings.Contains(r.stdout, "failed") {
		t.Errorf("the failed invitation is listed: %s", r.stdout)
	}
}
