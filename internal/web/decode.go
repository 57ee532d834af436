package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
)

// maxBody bounds a JSON request body: every request of the API is small.
const maxBody = 64 << 10

// decode reads the request's JSON body into dst strictly: at most maxBody
// bytes, exactly one JSON object, no unknown fields, no duplicate keys, no
// trailing data. Malformed JSON is a 400 bad_request; JSON of the wrong shape
// (unknown field, wrong type) a 422 invalid_input — both say what and where.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errorf(codeUnsupportedMedia, "send the body as JSON with the header Content-Type: application/json (got %q)", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errorf(codeBadRequest, "could not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errorf(codeBadRequest, "the request body is empty: send a JSON object")
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return errorf(codeInvalid, "the body must be a JSON object, not %s", typeErr.Value)
			}
			return errorf(codeInvalid, "%s: must be %s, not %s", field, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return errorf(codeInvalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return errorf(codeBadRequest, "the body is not valid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}

// checkJSON checks that body is exactly one JSON object with no duplicate
// key at any depth and nothing after it. encoding/json alone accepts
// duplicate keys (the last wins) — a classic way to smuggle a second value
// past a validating proxy — so they are refused here. Keys that differ only
// in case are duplicates too: encoding/json matches a key to a field
// without regard to case ("email" and "EMAIL" both fill Email).
func checkJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return errorf(codeBadRequest, "the body is not valid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return errorf(codeBadRequest, "the body must be a JSON object")
	}
	if err := walkObject(dec, "", 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(codeBadRequest, "unexpected data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

const maxJSONDepth = 32

func walkObject(dec *json.Decoder, path string, depth int) error {
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		key := t.(string) // object keys are always strings
		field := key
		if path != "" {
			field = path + "." + key
		}
		folded := foldKey(key)
		if seen[folded] {
			return errorf(codeBadRequest, "duplicate field %q (keys are matched without regard to case)", field)
		}
		seen[folded] = true
		if err := walkValue(dec, field, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return syntax(err)
}

// foldKey returns the same string for keys that encoding/json takes for
// the same field name: those equal under Unicode case folding
// (strings.EqualFold), each rune replaced by the smallest of its fold set.
func foldKey(key string) string {
	return strings.Map(func(r rune) rune {
		for {
			f := unicode.SimpleFold(r)
			if f <= r {
				return f
			}
			r = f
		}
	}, key)
}

func walkValue(dec *json.Decoder, path string, depth int) error {
	t, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	d, ok := t.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxJSONDepth {
		return errorf(codeBadRequest, "the body nests deeper than %d levels", maxJSONDepth)
	}
	if d == '{' {
		return walkObject(dec, path, depth+1)
	}
	for i := 0; dec.More(); i++ {
		if err := walkValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
			return err
		}
	}
	_, err = dec.Token() // ']'
	return syntax(err)
}

func syntax(err error) error {
	if err == nil {
		return nil
	}
	if err == io.EOF {
		return errorf(codeBadRequest, "the body is not valid JSON: it ends too early")
	}
	return errorf(codeBadRequest, "the body is not valid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
}
