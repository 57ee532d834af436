package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Outbox is a Sender that writes each message as one RFC 5322 .eml file into
// a directory instead of sending it. The portal uses it when no SMTP server
// is configured, so a fresh install works and an operator can open the
// files in any mail client (or forward them by hand).
//
// File names are the UTC send time to the nanosecond plus a random suffix,
// e.g. 20261201T213000.000000000Z-1f2e3d4c5b6a7988.eml, so they sort by time
// and never collide. Each file is written atomically: readers never see a
// partial message, and a file that exists survives a power loss. Files are
// created 0600 because invitations carry secret links.
type Outbox struct {
	Dir  string           // created (0750) on first Send when missing
	From string           // default From for messages without one
	Now  func() time.Time // the clock; time.Now when nil
}

// Send writes m into o.Dir.
func (o Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Dir == "" {
		return errors.New("mail: outbox directory is not set; give Outbox.Dir")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if m.From == "" {
		m.From = o.From
	}
	t := now()
	data, err := Encode(m, t)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return fmt.Errorf("mail: create outbox directory: %w", err)
	}
	name := t.UTC().Format("20060102T150405.000000000Z") + "-" + randomHex(8) + ".eml"
	if err := writeAtomic(o.Dir, name, data); err != nil {
		return fmt.Errorf("mail: write to outbox %s: %w", o.Dir, err)
	}
	return nil
}

// writeAtomic writes data to dir/name through a temporary file in dir that
// is synced and then renamed, and syncs dir so the rename is durable. The
// temporary name starts with a dot and does not end in .eml, so a reader
// listing *.eml files never picks it up.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".outbox-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// (and does not need to), so there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
