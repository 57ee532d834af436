package entitle

import (
	"fmt"
	"time"
)

// ImportOptions tune an import.
type ImportOptions struct {
	DryRun   bool                  // validate only; write nothing
	Actor    string                // who imports, for the audit event ("cli" at the console)
	Company  string                // the actor's company key, for the audit event ("" at the console)
	Progress func(done, total int) // called as records are written, if set
	// Exclusive lets a first import on PostgreSQL (no order recorded yet,
	// many in the batch) lock the tables it fills until it commits, to check
	// their foreign keys in one query each instead of row by row (a half to
	// three quarters of the time), but meanwhile nothing else reads those
	// tables, not even a login. The console's import sets it; an import
	// over the API, whose progress the server answers polls of meanwhile,
	// does not.
	Exclusive bool
}

// Counts says what an import did with one kind of record.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// String says it in words: "5 created, 0 updated, 2 unchanged".
func (c Counts) String() string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged", c.Created, c.Updated, c.Unchanged)
}

// ImportResult summarizes an import.
type ImportResult struct {
	Companies    Counts `json:"companies"`
	MSAs         Counts `json:"msas"`
	Orders       Counts `json:"orders"`
	Prices       Counts `json:"prices"`
	Entitlements int    `json:"entitlements_created"`
	DryRun       bool   `json:"dry_run"`
}

// The states of an import sent through the ingest API.
const (
	ImportRunning   = "running"   // being read, checked or written
	ImportSucceeded = "succeeded" // written (or, dry run, checked) without a problem
	ImportFailed    = "failed"    // refused (Problems say why) or stopped (Error says why); nothing was written
)

// ImportJob is one upload of the ingest API (POST /api/v1/imports) as it is
// recorded: what was sent, how far it got, and how it ended. Problems
// holds the first problems (at most a thousand); ProblemCount all of them.
type ImportJob struct {
	ID             int64
	IdempotencyKey string // "" when the client sent none
	BodySHA256     string // hex; with the key, tells a retry from another upload
	Format         string // jsonl or csv
	Name           string // the file name the problems name
	Bytes          int64
	DryRun         bool
	Status         string // ImportRunning, ImportSucceeded, ImportFailed
	Records        int    // records read (0 until the file is read)
	Done, Total    int    // records written of those to write, while running
	Result         ImportResult
	Problems       []Problem
	ProblemCount   int
	Error          string // why a failed import stopped, when not for its problems
	RequestedBy    string // the user's email
	Company        string // the user's company key
	CreatedAt      time.Time
	FinishedAt     time.Time // zero while running
	HeartbeatAt    time.Time // the last sign of life of the process running it
}
