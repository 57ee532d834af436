package notices_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/clocktest"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/notices"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

const from = "portal@maker.example"

// service is a notices service on db with clk, mailing into outbox.
func service(db *store.DB, clk *clocktest.Clock, m mail.Sender) *notices.Service {
	return &notices.Service{Store: db, Gate: disclose.New(db, clk.Now), Mailer: m, Now: clk.Now, BaseURL: "https://portal.example"}
}

func outbox(t *testing.T, clk *clocktest.Clock) (mail.Outbox, string) {
	dir := t.TempDir()
	return mail.Outbox{Dir: dir, From: from, Now: clk.Now}, dir
}

func run(t *testing.T, s *notices.Service) notices.Report {
	t.Helper()
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestStages(t *testing.T) {
	s := notices.DefaultStages
	for days, want := range map[int]int{181: 0, 180: 180, 179: 180, 91: 180, 90: 90, 61: 90, 60: 60, 31: 60, 30: 30, 8: 30, 7: 7, 1: 7, 0: 7, -1: 0, 400: 0} {
		got, ok := s.Current(days)
		if got != want || ok != (want != 0) {
			t.Errorf("%d days left: stage %d %v, want %d", days, got, ok, want)
		}
	}
	p, err := notices.ParseStages(" 7, 30,180 ")
	if err != nil || p.String() != "180,30,7" || p.Words() != "180, 30 and 7 days" {
		t.Errorf("parse: %v %v %q", p, err, p.Words())
	}
	for _, bad := range []string{"", ",", "30,x", "0", "-7", "30,30", "99999", "7.5"} {
		if _, err := notices.ParseStages(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestStageBoundaries: each entitlement gets the notice of its current
// stage only — the smallest stage ≥ its days left — and one that ended or
// is further away than the largest stage gets none. A second run the same
// day sends nothing.
func TestStageBoundaries(t *testing.T) {
	db := newWorld(t, order("D-1", "SOLO", nil, "SOLO",
		sub{id: "S-181", endIn: 181}, sub{id: "S-180", endIn: 180}, sub{id: "S-91", endIn: 91}, sub{id: "S-90", endIn: 90},
		sub{id: "S-31", endIn: 31}, sub{id: "S-30", endIn: 30}, sub{id: "S-8", endIn: 8}, sub{id: "S-7", endIn: 7},
		sub{id: "S-0", endIn: 0}, sub{id: "S-EXPIRED", endIn: -1}, sub{id: "S-FAR", endIn: 400},
		sub{id: "S-NOTYET", startIn: 10, endIn: 45}))
	clk := clocktest.New(day0)
	ob, dir := outbox(t, clk)
	rep := run(t, service(db, clk, ob))
	got := map[string][]string{}
	for _, m := range readOutbox(t, dir) {
		if !slices.Equal(m.To, []string{"sol@solo.example"}) {
			t.Errorf("digest to %v", m.To)
		}
		got[m.Stage] = append(got[m.Stage], m.subs()...)
	}
	want := map[string][]string{
		"expiry; stage=180": {"S-91", "S-180"}, // by end date
		"expiry; stage=90":  {"S-90"},
		"expiry; stage=60":  {"S-31", "S-NOTYET"},
		"expiry; stage=30":  {"S-8", "S-30"},
		"expiry; stage=7":   {"S-0", "S-7"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("digests by stage (-want +got):\n%s", diff)
	}
	if rep.Digests != 5 || rep.Entitlements != 9 || rep.Skipped != 0 || rep.Failed != 0 {
		t.Errorf("report %+v", rep)
	}
	if rep := run(t, service(db, clk, ob)); rep.Digests != 0 || len(readOutbox(t, dir)) != 5 {
		t.Errorf("second run the same day: %+v", rep)
	}
}

// TestDigests: one digest per company per stage listing all its
// entitlements at that stage, to its active administrators only. The
// owner's names its sites and who can renew what; a partner's lists
// entitlement information only and never names the customer (R4). Each
// digest is audited for its recipient company.
func TestDigests(t *testing.T) {
	db := newWorld(t,
		// Sold by SHOP (the partner of record) for NORTH; FITTER installs.
		order("N-77", "NORTH", []string{"SHOP"}, "PLANT", sub{id: "S-100", endIn: 20}, sub{id: "S-101", endIn: 25}),
		// No reseller: NORTH is the partner of record.
		order("N-78", "NORTH", nil, "PLANT", sub{id: "S-200", endIn: 28}),
		// Another stage: its own digest.
		order("N-79", "NORTH", []string{"SHOP"}, "PLANT", sub{id: "S-300", endIn: 85}),
	)
	// A delegate sees the entitlements but is not told: notices go to the owner and the partner of record.
	if err := db.AddDelegations(context.Background(), []entitle.Delegation{{ID: "DLG-1", Owner: "PLANT", Delegate: "FITTER",
		CreatedAt: day0.Add(-time.Hour), CreatedBy: "ann@plant.example"}}); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(day0)
	ob, dir := outbox(t, clk)
	rep := run(t, service(db, clk, ob))
	if rep.Digests != 5 || rep.Entitlements != 8 {
		t.Errorf("report %+v", rep)
	}
	byKey := map[string]sentMail{}
	for _, m := range readOutbox(t, dir) {
		k := m.company() + " " + m.Stage
		if _, dup := byKey[k]; dup {
			t.Errorf("two digests for %s", k)
		}
		byKey[k] = m
	}
	want := map[string][]string{
		"PLANT expiry; stage=30": {"S-100", "S-101", "S-200"},
		"PLANT expiry; stage=90": {"S-300"},
		"SHOP expiry; stage=30":  {"S-100", "S-101"},
		"SHOP expiry; stage=90":  {"S-300"},
		"NORTH expiry; stage=30": {"S-200"},
	}
	got := map[string][]string{}
	for k, m := range byKey {
		got[k] = m.subs()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("digests (-want +got):\n%s", diff)
	}

	owner := byKey["PLANT expiry; stage=30"]
	if !slices.Equal(owner.To, []string{"ann@plant.example", "bo@plant.example"}) {
		t.Errorf("the owner's digest went to %v, want its two active administrators", owner.To)
	}
	if owner.Subject != "3 entitlements expire within 30 days" {
		t.Errorf("subject %q", owner.Subject)
	}
	for _, part := range []string{owner.Text, owner.HTML} {
		for _, want := range []string{"3 entitlements of Plant Operator expire within 30 days", "Plant 3",
			"Your partner of record Corner Reseller can renew S-100 and S-101.",
			"Your partner of record North Distribution can renew S-200.", "https://portal.example/", "N-77", "SKU-S-100"} {
			if !strings.Contains(part, want) {
				t.Errorf("the owner's digest lacks %q:\n%s", want, part)
			}
		}
	}
	if m := byKey["PLANT expiry; stage=90"]; !strings.Contains(m.Text, "Your partner of record, Corner Reseller, can renew it.") ||
		m.Subject != "1 entitlement expires within 90 days" {
		t.Errorf("single owner digest: %s\n%s", m.Subject, m.Text)
	}
	// Days left are today's, from the injected clock.
	if !strings.Contains(owner.Text, "2026-06-21  20") {
		t.Errorf("no days left for S-100:\n%s", owner.Text)
	}

	for _, k := range []string{"SHOP expiry; stage=30", "SHOP expiry; stage=90", "NORTH expiry; stage=30"} {
		m := byKey[k]
		for _, leak := range []string{"Plant", "PLANT", "Harbour", "Rotterdam", "plant.example"} {
			if strings.Contains(m.Raw, leak) {
				t.Errorf("R4: the partner digest %s names the owner (%q):\n%s", k, leak, m.Raw)
			}
		}
		if !strings.Contains(m.Text, "is the partner of record") {
			t.Errorf("%s:\n%s", k, m.Text)
		}
	}
	if m := byKey["SHOP expiry; stage=30"]; !slices.Equal(m.To, []string{"sam@shop.example"}) || !strings.Contains(m.Text, "N-77") {
		t.Errorf("SHOP's digest: %v\n%s", m.To, m.Text)
	}

	// Audited for the recipient: action, stage, count, basis.
	events, err := db.AuditEvents(context.Background(), "SHOP", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, e := range events {
		if e.Action == "notice.expiry" {
			audited = append(audited, fmt.Sprintf("%s %s %s %v %s", e.Object, e.Outcome, e.Actor, e.Basis, e.Detail))
		}
	}
	slices.Sort(audited)
	if diff := cmp.Diff([]string{
		"30 days ok notices [reseller] 2 entitlements to sam@shop.example",
		"90 days ok notices [reseller] 1 entitlement to sam@shop.example",
	}, audited); diff != "" {
		t.Errorf("SHOP's audit events (-want +got):\n%s", diff)
	}
}

// TestDirectPurchaseAndNoAdmin: a direct purchase has no partner of record:
// only the owner is told, and the vendor can renew. A company without an
// active administrator is skipped — nothing claimed — and gets the notice
// once it has one, while the stage lasts.
func TestDirectPurchaseAndNoAdmin(t *testing.T) {
	db := newWorld(t,
		order("D-1", "SOLO", nil, "SOLO", sub{id: "S-1", endIn: 5}),
		order("N-1", "NORTH", []string{"LONELY"}, "PLANT", sub{id: "S-2", endIn: 5}),
	)
	clk := clocktest.New(day0)
	ob, dir := outbox(t, clk)
	s := service(db, clk, ob)
	rep := run(t, s)
	if rep.Digests != 2 || rep.Skipped != 1 || rep.Failed != 0 {
		t.Errorf("report %+v", rep)
	}
	i := slices.IndexFunc(rep.Details, func(d notices.Digest) bool { return d.Outcome == notices.Skipped })
	if i < 0 || rep.Details[i].Company != "LONELY" || rep.Details[i].Stage != 7 {
		t.Errorf("details %+v", rep.Details)
	}
	got := map[string][]string{}
	for _, m := range readOutbox(t, dir) {
		got[m.company()] = m.subs()
		if m.company() == "SOLO" && !strings.Contains(m.Text, "You bought it directly: Maker Software can renew it.") {
			t.Errorf("direct purchase:\n%s", m.Text)
		}
	}
	if diff := cmp.Diff(map[string][]string{"SOLO": {"S-1"}, "PLANT": {"S-2"}}, got); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
	claims, err := db.NoticeClaims(context.Background(), []string{"S-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(claims["S-2"]) != 1 || claims["S-2"][0].Company != "PLANT" {
		t.Errorf("claims of S-2: %+v (LONELY's was skipped, not claimed)", claims["S-2"])
	}

	// LONELY gets an administrator two days later: the 7-day notice goes out.
	clk.Advance(48 * time.Hour)
	if _, err := db.AddUser(context.Background(), entitle.User{Email: "lee@lonely.example", Name: "Lee", Company: "LONELY", Admin: true}, "", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if rep := run(t, s); rep.Digests != 1 || rep.Skipped != 0 {
		t.Errorf("after LONELY has an administrator: %+v", rep)
	}
	mails := readOutbox(t, dir)
	if last := mails[len(mails)-1]; !slices.Equal(last.To, []string{"lee@lonely.example"}) || !slices.Equal(last.subs(), []string{"S-2"}) {
		t.Errorf("LONELY's digest: %v %v", last.To, last.subs())
	}
}

// stagedChannel has entitlements at every distance from day0 and every
// kind of partner of record.
func stagedChannel() []entitle.Order {
	var a, b, c []sub
	for i, d := range []int{200, 181, 180, 150, 91, 90, 75, 61, 60, 45, 31, 30, 20, 8, 7, 3, 0, -1} {
		a = append(a, sub{id: fmt.Sprintf("S-A%02d", i), endIn: d})
		b = append(b, sub{id: fmt.Sprintf("S-B%02d", i), endIn: d + 1})
		c = append(c, sub{id: fmt.Sprintf("S-C%02d", i), endIn: d + 2})
	}
	return []entitle.Order{
		order("N-1", "NORTH", []string{"SHOP"}, "PLANT", a...),
		order("N-2", "NORTH", nil, "PLANT", b...),
		order("D-1", "SOLO", nil, "SOLO", c...),
	}
}

// expected lists the notices a channel owes when a run is made every day
// from day0 on: for each entitlement, each stage from its current one (or
// the largest) on,
// to its owner and its partner of record.
func expected(orders []entitle.Order) map[notice]bool {
	out := map[notice]bool{}
	today := entitle.DateOf(day0)
	for _, o := range orders {
		partner := o.PartnerOfRecord()
		for _, l := range o.Lines {
			left := today.DaysUntil(l.EndDate)
			if left < 0 {
				continue
			}
			// Further away than the largest stage: it gets there later.
			first, _ := notices.DefaultStages.Current(min(left, notices.DefaultStages[0]))
			for _, s := range notices.DefaultStages {
				if s > first {
					continue
				}
				for _, co := range []string{o.Owner, partner} {
					if co != "" {
						out[notice{l.SubscriptionID, fmt.Sprintf("expiry; stage=%d", s), co}] = true
					}
				}
			}
		}
	}
	return out
}

// TestDailyRuns: runs every day (several a day) for over 200 days send each
// stage of each entitlement once to each recipient, and nothing else.
func TestDailyRuns(t *testing.T) {
	orders := stagedChannel()
	db := newWorld(t, orders...)
	clk := clocktest.New(day0)
	ob, dir := outbox(t, clk)
	s := service(db, clk, ob)
	for day := 0; day < 205; day++ {
		for range 3 {
			run(t, s)
			clk.Advance(time.Hour)
		}
		clk.Advance(21 * time.Hour)
	}
	got := noticesIn(t, readOutbox(t, dir))
	if diff := cmp.Diff(expected(orders), got); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}

// TestFailedSendIsRetried: a digest the mail server does not take is
// released, audited as failed and sent by the next run — once, through a
// server that first answers "try again later".
func TestFailedSendIsRetried(t *testing.T) {
	ctx := context.Background()
	db := newWorld(t, order("D-1", "SOLO", nil, "SOLO", sub{id: "S-1", endIn: 10}, sub{id: "S-2", endIn: 12}))
	clk := clocktest.New(day0)
	s := service(db, clk, mail.SMTP{Addr: closedAddr(t), From: from, TLS: mail.TLSNone})
	rep := run(t, s)
	if rep.Digests != 0 || rep.Failed != 1 || rep.Details[0].Outcome != notices.Failed || !strings.Contains(rep.Details[0].Error, "not delivered") {
		t.Fatalf("with no mail server: %+v", rep)
	}
	claims, err := db.NoticeClaims(ctx, []string{"S-1"})
	if err != nil {
		t.Fatal(err)
	}
	if c := claims["S-1"]; len(c) != 1 || !c[0].ClaimedAt.IsZero() || !c[0].SentAt.IsZero() || c[0].Attempts != 1 || c[0].LastError == "" {
		t.Errorf("claim after a failed send: %+v", c)
	}

	ms := mailtest.Start(t)
	ms.Set(nil, 1) // 451 to the first message
	s.Mailer = mail.SMTP{Addr: ms.Addr, From: from, TLS: mail.TLSNone}
	clk.Advance(time.Hour)
	if rep := run(t, s); rep.Failed != 1 {
		t.Fatalf("server busy: %+v", rep)
	}
	clk.Advance(time.Hour)
	if rep := run(t, s); rep.Digests != 1 || rep.Entitlements != 2 {
		t.Fatalf("server working: %+v", rep)
	}
	for range 3 {
		clk.Advance(time.Hour)
		run(t, s)
	}
	mails := sentMails(t, ms)
	if len(mails) != 1 || !slices.Equal(mails[0].subs(), []string{"S-1", "S-2"}) {
		t.Fatalf("delivered %d digests", len(mails))
	}
	claims, err = db.NoticeClaims(ctx, []string{"S-1"})
	if err != nil {
		t.Fatal(err)
	}
	if c := claims["S-1"]; len(c) != 1 || c[0].SentAt.IsZero() || c[0].Attempts != 3 || c[0].LastError != "" {
		t.Errorf("claim after delivery: %+v", c)
	}
	events, err := db.AuditEvents(ctx, "SOLO", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, e := range events {
		if e.Action == "notice.expiry" {
			outcomes = append(outcomes, e.Outcome)
		}
	}
	if diff := cmp.Diff([]string{"ok", "failed", "ok", "failed", "ok"}, outcomes); diff != "" {
		t.Errorf("audited outcomes (-want +got):\n%s", diff)
	}
}

// TestLeaseTakeover: a claim whose run died (claimed, never sent, never
// released) holds until the lease runs out; then a later run takes it over
// and sends it.
func TestLeaseTakeover(t *testing.T) {
	ctx := context.Background()
	db := newWorld(t, order("D-1", "SOLO", nil, "SOLO", sub{id: "S-1", endIn: 10}))
	clk := clocktest.New(day0)
	// The dead run: its claim is all that is left of it.
	batch := entitle.NoticeBatch{Company: "SOLO", Stage: 30, Items: []entitle.NoticeItem{{SubscriptionID: "S-1", EndDate: entitle.DateOf(clk.Now()).AddDays(10)}}}
	if got, err := db.ClaimNotices(ctx, batch, "dead-run", clk.Now(), notices.DefaultLease, nil); err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	ob, dir := outbox(t, clk)
	s := service(db, clk, ob)
	clk.Advance(notices.DefaultLease - time.Minute)
	if rep := run(t, s); rep.Digests != 0 || rep.Failed != 0 {
		t.Errorf("within the lease: %+v", rep)
	}
	clk.Advance(time.Minute)
	if rep := run(t, s); rep.Digests != 1 {
		t.Errorf("after the lease: %+v", rep)
	}
	if n := len(readOutbox(t, dir)); n != 1 {
		t.Errorf("%d digests", n)
	}
	// The dead run, were it to wake up, no longer holds anything.
	if n, err := db.MarkNoticesSent(ctx, batch, "dead-run", clk.Now()); err != nil || n != 0 {
		t.Errorf("the dead run marked %d sent (%v)", n, err)
	}
}

// TestConcurrentServices: two services on two store handles of one
// database — two serve processes — running at the same moments, many times
// a day for over 200 days, never send a notice twice and miss none.
func TestConcurrentServices(t *testing.T) {
	orders := stagedChannel()
	dsn := storetest.DSN(t)
	var dbs []*store.DB
	for range 2 {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	load(t, dbs[0], orders...)
	clk := clocktest.New(day0)
	ms := mailtest.Start(t)
	var svcs []*notices.Service
	for _, db := range dbs {
		svcs = append(svcs, service(db, clk, mail.SMTP{Addr: ms.Addr, From: from, TLS: mail.TLSNone}))
	}
	var mu sync.Mutex
	var total notices.Report
	for day := 0; day < 205; day++ {
		for range 2 {
			var wg sync.WaitGroup
			for _, s := range svcs {
				wg.Go(func() {
					rep, err := s.Run(context.Background())
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total.Digests += rep.Digests
					total.Failed += rep.Failed
					mu.Unlock()
				})
			}
			wg.Wait()
		}
		clk.Advance(24 * time.Hour)
	}
	mails := sentMails(t, ms)
	got := noticesIn(t, mails)
	if diff := cmp.Diff(expected(orders), got); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
	if total.Digests != len(mails) || total.Failed != 0 {
		t.Errorf("reports say %d sent, %d failed; the server got %d", total.Digests, total.Failed, len(mails))
	}
	t.Logf("%s: %d digests, %d notices", storetest.Backend(), len(mails), len(got))
}

// TestScheduler: the scheduler runs at once and then every interval, and
// returns once its context ends.
func TestScheduler(t *testing.T) {
	db := newWorld(t, order("D-1", "SOLO", nil, "SOLO", sub{id: "S-1", endIn: 10}))
	clk := clocktest.New(day0)
	ob, dir := outbox(t, clk)
	ctx, cancel := context.WithCancel(context.Background())
	sc := &notices.Scheduler{Service: service(db, clk, ob), Interval: 20 * time.Millisecond}
	wait := sc.Start(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for len(readOutbox(t, dir)) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// A new day: the next run finds the next stage due.
	clk.Advance(4 * 24 * time.Hour)
	for len(readOutbox(t, dir)) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wait()
	mails := readOutbox(t, dir)
	if len(mails) != 2 || mails[0].Stage != "expiry; stage=30" || mails[1].Stage != "expiry; stage=7" {
		t.Errorf("scheduled digests: %d", len(mails))
	}
	// Off: an interval of zero runs nothing.
	(&notices.Scheduler{Service: service(db, clk, ob)}).Run(context.Background())
}
