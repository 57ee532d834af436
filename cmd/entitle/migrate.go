package main

import (
	"context"
	"fmt"
)

func migrateCommand() command {
	return command{
		name:    "migrate",
		args:    "[--db DSN]",
		summary: "create or upgrade the database schema",
		help: `Applies every pending migration and prints the schema version. Every
command does this when it opens the database; migrate is for doing it
ahead of time (e.g. before starting several servers).`,
		run: runMigrate,
	}
}

func runMigrate(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"migrate takes no arguments"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: schema version %d\n", *f.db, v)
	return nil
}
