package web

import "testing"

// TestSentence: an alert's message starts with a capital letter, unless it
// starts with a name of the API, which keeps its spelling.
func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"the email address or the password is wrong": "The email address or the password is wrong",
		"only administrators of NEWCO may accept":    "Only administrators of NEWCO may accept",
		"required: the key of the company":           "Required: the key of the company",
		"über alles":                                 "Über alles",
		"Already a sentence.":                        "Already a sentence.",
		"ordered_from must be a date":                "ordered_from must be a date",
		"q: must be at most 100 characters":          "q: must be at most 100 characters",
		"lines[0].sku: unknown":                      "lines[0].sku: unknown",
		"S-100 is not yours":                         "S-100 is not yours",
		"":                                           "",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
