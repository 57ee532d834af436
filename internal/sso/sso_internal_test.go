package sso

import (
	"context"
	"strings"
	"testing"
	"time"
)

// secretStore is the one method sealing needs; the rest of Store is not
// called.
type secretStore struct {
	Store
	key []byte
}

func (s secretStore) Secret(context.Context, string) ([]byte, error) { return s.key, nil }

// TestSealedSecrets: a client secret opens only as its own company's, under
// the deployment's key.
func TestSealedSecrets(t *testing.T) {
	ctx := context.Background()
	s := &Service{Store: secretStore{key: []byte("0123456789abcdef0123456789abcdef")}, Now: func() time.Time { return time.Unix(0, 0) }}
	sealed, err := s.seal(ctx, "ACME", "the secret")
	if err != nil || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "the secret") {
		t.Fatalf("seal: %q %v", sealed, err)
	}
	if got, err := s.open(ctx, "ACME", sealed); err != nil || got != "the secret" {
		t.Errorf("open: %q %v", got, err)
	}
	if _, err := s.open(ctx, "OTHER", sealed); err == nil {
		t.Error("another company's secret opened")
	}
	other := &Service{Store: secretStore{key: []byte("fedcba9876543210fedcba9876543210")}}
	if _, err := other.open(ctx, "ACME", sealed); err == nil || !strings.Contains(err.Error(), "entitle sso set") {
		t.Errorf("another deployment's key: %v", err)
	}
	if _, err := s.open(ctx, "ACME", "plain"); err == nil {
		t.Error("an unsealed value opened")
	}
}
