package entitle_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
)

// TestParseScopes: names separated by commas or spaces, in any case and
// order, repeats allowed, become the set in the order of AllScopes; an
// unknown name is refused with the list of the four.
func TestParseScopes(t *testing.T) {
	for text, want := range map[string][]string{
		"":                        nil,
		"read":                    {"read"},
		"admin, READ read":        {"read", "admin"},
		"import,admin,write,read": {"read", "write", "import", "admin"},
		" , write ,":              {"write"},
	} {
		got, err := entitle.ParseScopes(text)
		if err != nil || !slices.Equal(got.Strings(), want) {
			t.Errorf("ParseScopes(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	for _, text := range []string{"owner", "read,session", "read;write"} {
		if _, err := entitle.ParseScopes(text); err == nil || !strings.Contains(err.Error(), "the scopes are read, write, import, admin") {
			t.Errorf("ParseScopes(%q): %v", text, err)
		}
	}
}
