package importer

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/entitle-portal/entitle"
)

// ReadFile reads the import file at path, choosing the format by its
// extension (see [Read]). Problems name the file by path as given.
func ReadFile(path string) (entitle.Batch, entitle.Problems, error) {
	if p, ok := checkExt(path); !ok {
		return entitle.Batch{}, entitle.Problems{p}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return entitle.Batch{}, nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads an import file from r, choosing the format by the extension of
// name (ignoring case): .jsonl for [ReadJSONL], .csv for [ReadCSV]. Any
// other name gives a problem and reads nothing. name is the file name used
// in problems.
func Read(r io.Reader, name string) (entitle.Batch, entitle.Problems, error) {
	p, ok := checkExt(name)
	switch {
	case !ok:
		return entitle.Batch{}, entitle.Problems{p}, nil
	case strings.EqualFold(filepath.Ext(name), ".csv"):
		return ReadCSV(r, name)
	default:
		return ReadJSONL(r, name)
	}
}

// checkExt returns a problem when name is not a .jsonl or .csv file.
func checkExt(name string) (entitle.Problem, bool) {
	ext := filepath.Ext(name)
	if strings.EqualFold(ext, ".jsonl") || strings.EqualFold(ext, ".csv") {
		return entitle.Problem{}, true
	}
	what := fmt.Sprintf("unknown file type %q", ext)
	if ext == "" {
		what = "no file extension"
	}
	return entitle.Problem{File: name, Message: what + "; an import file is .jsonl (companies, MSAs, orders and prices) or .csv (orders, one row per line)"}, false
}
