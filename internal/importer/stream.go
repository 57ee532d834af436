package importer

import (
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strings"

	"github.com/entitle-portal/entitle"
)

// Stream reads an import file as [Read] does, except that it holds no
// orders of a JSONL file: the batch's Streams yields them, reading the file
// again each time from reopen, so that an import holds a few thousand
// orders at a time rather than the whole file. The problems are all found
// by this first reading. A CSV file (orders only, whose rows of one order
// may be anywhere in the file) is read whole; its orders are in Streams
// too, so that the orders of several files keep the files' order.
//
// A reading of the orders fails when the file is no longer what it was
// (another length, checksum or number of orders): the import, one
// transaction, then writes nothing.
func Stream(r io.Reader, name string, reopen func() (io.Reader, error)) (entitle.Batch, entitle.Problems, error) {
	p, ok := checkExt(name)
	switch {
	case !ok:
		return entitle.Batch{}, entitle.Problems{p}, nil
	case strings.EqualFold(filepath.Ext(name), ".csv"):
		b, ps, err := ReadCSV(r, name)
		b.Streams, b.Orders = []entitle.OrderStream{entitle.StreamOf(b.Orders)}, nil
		return b, ps, err
	}
	return streamJSONL(r, name, reopen, maxLineBytes)
}

// StreamSeeker is [Stream] for a file that is read again by seeking back to
// where r is now.
func StreamSeeker(r io.ReadSeeker, name string) (entitle.Batch, entitle.Problems, error) {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return entitle.Batch{}, nil, fmt.Errorf("read %s: %w", name, err)
	}
	return Stream(r, name, func() (io.Reader, error) {
		if _, err := r.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %s again: %w", name, err)
		}
		return r, nil
	})
}

func streamJSONL(r io.Reader, name string, reopen func() (io.Reader, error), limit int) (entitle.Batch, entitle.Problems, error) {
	d := newDecoder(name)
	d.limit = limit
	n := 0
	d.orders = func(entitle.Sourced[entitle.Order]) error { n++; return nil }
	var first digest
	if err := d.read(io.TeeReader(r, &first)); err != nil {
		return entitle.Batch{}, d.problems, err
	}
	b := d.batch
	b.Streams = []entitle.OrderStream{{Len: n, Each: func(fn func(entitle.Sourced[entitle.Order]) error) error {
		r, err := reopen()
		if err != nil {
			return err
		}
		d := newDecoder(name)
		d.limit, d.ordersOnly = limit, true
		count := 0
		d.orders = func(o entitle.Sourced[entitle.Order]) error { count++; return fn(o) }
		var again digest
		if err := d.read(io.TeeReader(r, &again)); err != nil {
			return err
		}
		if again != first || count != n {
			return fmt.Errorf("%s changed while it was being imported (it is read twice: for its companies, MSAs and prices, then for its orders); nothing was imported", name)
		}
		return nil
	}}}
	return b, d.problems, nil
}

// digest is the length and CRC-32C of the bytes written to it.
type digest struct {
	n   int64
	crc uint32
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (d *digest) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	d.crc = crc32.Update(d.crc, castagnoli, p)
	return len(p), nil
}
