package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/entitle-portal/entitle"
)

func userDisableCommand() command {
	return command{
		name:    "user disable",
		args:    "--email E",
		summary: "disable a user: their sessions and tokens stop working at once",
		run: func(ctx context.Context, e *env, c command, args []string) error {
			return runUserStatus(ctx, e, c, args, entitle.UserDisabled)
		},
	}
}

func userEnableCommand() command {
	return command{
		name:    "user enable",
		args:    "--email E",
		summary: "enable a disabled user again",
		run: func(ctx context.Context, e *env, c command, args []string) error {
			return runUserStatus(ctx, e, c, args, entitle.UserActive)
		},
	}
}

func runUserStatus(ctx context.Context, e *env, c command, args []string, status entitle.UserStatus) error {
	db, u, err := openUser(ctx, e, newFlags(e, c), args)
	if err != nil {
		return err
	}
	defer db.Close()
	action := "user.enable"
	if status == entitle.UserDisabled {
		action = "user.disable"
	}
	err = db.SetUserStatus(ctx, u.Email, status, entitle.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company,
		Action: action, Object: u.Email, Outcome: "ok"})
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeNotFound, "no user with email %s", u.Email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is %s\n", u.Email, status)
	return nil
}

func userResetTwoFactorCommand() command {
	return command{
		name:    "user reset-two-factor",
		args:    "--email E",
		summary: "turn a user's two-factor sign-in off (a lost phone and lost recovery codes): they sign in with the password, or set it up again if their company requires it",
		run:     runUserResetTwoFactor,
	}
}

func runUserResetTwoFactor(ctx context.Context, e *env, c command, args []string) error {
	db, u, err := openUser(ctx, e, newFlags(e, c), args)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.DeleteTOTP(ctx, u.ID, entitle.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company,
		Action: "account.totp.reset", Object: u.Email, Outcome: "ok"})
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeConflict, "%s has no two-factor sign-in to reset", u.Email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "two-factor sign-in of %s is reset: their key and recovery codes are deleted\n", u.Email)
	return nil
}
