package entitle

import "fmt"

// ImportOptions tune an import.
type ImportOptions struct {
	DryRun   bool                  // validate only; write nothing
	Actor    string                // who imports, for the audit event ("cli" at the console)
	Company  string                // the actor's company key, for the audit event ("" at the console)
	Progress func(done, total int) // called as records are written, if set
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
