package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

func webhookAddCommand() command {
	return command{
		name:    "webhook add",
		args:    "--company KEY --url URL [--events TYPE,…|all] [--allow-http]",
		summary: "add a webhook endpoint for a company (prints its signing secret once)",
		help: `Adds an endpoint to which the portal POSTs, signed, the events the company may
know of: ` + strings.Join(webhooks.EventTypes, ", ") + `
(--events, default all). Each delivery carries only what the company may
see through the API, and none goes out about what it may not see.

Prints the endpoint's id and its signing secret. The secret is shown only
this once: give it to the receiver, which verifies the Entitle-Signature
header with it. The database keeps it (it is needed to sign), so protect the
database like the secret; to rotate it, add another endpoint and remove this
one.

The URL must use https, except for localhost or with --allow-http.
Deliveries are sent by 'entitle serve'; 'entitle webhook test' sends a ping now.`,
		run: runWebhookAdd,
	}
}

func runWebhookAdd(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "the company that receives the events (required)")
	rawURL := f.String("url", "", "where to POST the deliveries (required)")
	events := f.String("events", "all", "the event types, comma-separated, or all")
	allowHTTP := f.Bool("allow-http", false, "accept a plain http URL to another host (deliveries cross the network unencrypted)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	case *company == "":
		return errUsage{"--company is required"}
	}
	u, err := webhooks.CheckURL(*rawURL, *allowHTTP)
	if err != nil {
		return err
	}
	types, err := webhooks.ParseEvents(*events)
	if err != nil {
		return err
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return err
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	now := e.now()
	w, err := db.AddWebhook(ctx, entitle.Webhook{Company: *company, URL: u, Events: types, Secret: secret, CreatedAt: now, CreatedBy: "cli"},
		entitle.AuditEvent{At: now, Actor: "cli", Company: *company, Action: "webhook.add", Outcome: "ok", Detail: u + " (" + eventsText(types) + ")"})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "webhook %d of %s: %s, events: %s\nThe signing secret is shown only this once:\n", w.ID, w.Company, w.URL, eventsText(types))
	fmt.Fprintf(e.stdout, "id: %d\nsecret: %s\n", w.ID, secret)
	return nil
}

func eventsText(types []string) string {
	if types == nil {
		return "all"
	}
	return strings.Join(types, ",")
}

func webhookListCommand() command {
	return command{
		name:    "webhook list",
		args:    "[--company KEY]",
		summary: "list the webhook endpoints, with their deliveries",
		help: `Lists the active endpoints (of one company with --company) with their
deliveries of the last 30 days: pending (waiting for an attempt or a retry),
delivered, failed (every attempt failed), and the latest error. Secrets are
never shown.`,
		run: runWebhookList,
	}
}

func runWebhookList(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "only this company's endpoints")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *company != "" {
		if _, err := db.Company(ctx, *company); err != nil {
			return entitle.Errorf(entitle.CodeNotFound, "no company with key %s", *company)
		}
	}
	hooks, err := db.Webhooks(ctx, *company)
	if err != nil {
		return err
	}
	if len(hooks) == 0 {
		if *company != "" {
			fmt.Fprintf(e.stdout, "%s has no webhooks\n", *company)
		} else {
			fmt.Fprintln(e.stdout, "no webhooks")
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCOMPANY\tURL\tEVENTS\tPENDING\tDELIVERED\tFAILED\tLAST ERROR")
	for _, w := range hooks {
		s, err := db.WebhookStats(ctx, w.ID)
		if err != nil {
			return err
		}
		last := "-"
		if s.LastError != "" {
			last = s.LastErrorAt.Format("2006-01-02 15:04Z") + " " + clip(s.LastError, 80)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", w.ID, w.Company, w.URL, eventsText(w.Events), s.Pending, s.Delivered, s.Failed, last)
	}
	return tw.Flush()
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func webhookRemoveCommand() command {
	return command{
		name:    "webhook remove",
		args:    "--id N",
		summary: "remove a webhook endpoint (its pending deliveries are cancelled)",
		help: `Removes the endpoint: nothing more is sent to it, its pending deliveries are
cancelled and its signing secret is erased from the database.`,
		run: runWebhookRemove,
	}
}

func runWebhookRemove(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	id := f.Int64("id", 0, "the endpoint's id, as 'entitle webhook list' shows it (required)")
	db, w, err := openWebhook(ctx, e, f, args, id)
	if err != nil {
		return err
	}
	defer db.Close()
	now := e.now()
	err = db.RemoveWebhook(ctx, w.ID, now, entitle.AuditEvent{At: now, Actor: "cli", Company: w.Company, Action: "webhook.remove", Outcome: "ok", Detail: w.URL})
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeNotFound, "no active webhook %d", w.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed webhook %d of %s (%s)\n", w.ID, w.Company, w.URL)
	return nil
}

// openWebhook parses a command's flags and opens the store and the active
// endpoint named by --id.
func openWebhook(ctx context.Context, e *env, f *flags, args []string, id *int64) (*store.DB, entitle.Webhook, error) {
	pos, err := f.parse(args)
	if err != nil {
		return nil, entitle.Webhook{}, err
	}
	switch {
	case len(pos) > 0:
		return nil, entitle.Webhook{}, errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	case *id <= 0:
		return nil, entitle.Webhook{}, errUsage{"--id is required"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return nil, entitle.Webhook{}, err
	}
	w, err := db.Webhook(ctx, *id)
	if err == nil && !w.RemovedAt.IsZero() {
		err = entitle.ErrNotFound
	}
	if errors.Is(err, entitle.ErrNotFound) {
		err = entitle.Errorf(entitle.CodeNotFound, "no active webhook %d", *id)
	}
	if err != nil {
		db.Close()
		return nil, entitle.Webhook{}, err
	}
	return db, w, nil
}

func webhookTestCommand() command {
	return command{
		name:    "webhook test",
		args:    "--id N",
		summary: "send a ping to a webhook endpoint now and show the answer",
		help: `Sends a "ping" delivery to the endpoint at once, signed like every delivery,
and prints what became of it. A ping is tried once, never retried.`,
		run: runWebhookTest,
	}
}

func runWebhookTest(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	id := f.Int64("id", 0, "the endpoint's id, as 'entitle webhook list' shows it (required)")
	db, w, err := openWebhook(ctx, e, f, args, id)
	if err != nil {
		return err
	}
	defer db.Close()
	d := wire(db, settings{now: e.now}).webhooks
	dl, err := d.Ping(ctx, w.ID, "cli")
	if err != nil {
		return err
	}
	if dl.State != entitle.DeliveryDelivered {
		return fmt.Errorf("ping %s to %s %s: %s", dl.PublicID, w.URL, dl.State, dl.LastError)
	}
	fmt.Fprintf(e.stdout, "ping %s delivered to %s: HTTP %s\n", dl.PublicID, w.URL, strconv.Itoa(dl.LastStatus))
	return nil
}
