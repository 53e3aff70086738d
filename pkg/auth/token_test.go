package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const secret = "0123456789abcdef0123456789abcdef"

func TestIssueVerify(t *testing.T) {
	tokens, err := NewTokens(secret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Second)
	tok, err := tokens.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	if id, issued, err := tokens.Verify(tok); err != nil || id != 42 || issued.Before(before) || issued.After(time.Now()) {
		t.Fatalf("Verify = %d, %v, %v; want 42 issued just now", id, issued, err)
	}

	other, _ := NewTokens(strings.Repeat("x", 32), time.Hour)
	forged, _ := other.Issue(42)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{Subject: "42", Issuer: issuer,
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))})
	unsigned, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	expiredIssuer, _ := NewTokens(secret, time.Hour)
	expiredIssuer.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	expired, _ := expiredIssuer.Issue(42)
	futureIssuer, _ := NewTokens(secret, time.Hour)
	futureIssuer.now = func() time.Time { return time.Now().Add(time.Hour) }
	future, _ := futureIssuer.Issue(42)
	noIssueTime, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "42", Issuer: issuer,
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString([]byte(secret))

	for name, bad := range map[string]string{
		"empty": "", "garbage": "abc", "other secret": forged, "alg none": unsigned, "expired": expired,
		"tampered": tok[:len(tok)-2] + "xx", "issued in the future": future, "no issue time": noIssueTime,
	} {
		if id, _, err := tokens.Verify(bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: Verify = %d, %v; want ErrInvalidToken", name, id, err)
		}
	}
}

// A token verified once is remembered, but it still expires on time, and an invalid token is
// never remembered as valid.
func TestVerifiedTokenStillExpires(t *testing.T) {
	tokens, err := NewTokens(secret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	tokens.now = func() time.Time { return clock }
	tok, _ := tokens.Issue(7)
	for range 2 { // the second time from memory
		if id, _, err := tokens.Verify(tok); err != nil || id != 7 {
			t.Fatalf("Verify = %d, %v; want 7", id, err)
		}
	}
	if tokens.verified.Len() != 1 {
		t.Fatalf("%d tokens remembered; want 1", tokens.verified.Len())
	}
	clock = clock.Add(time.Hour + time.Second)
	if _, _, err := tokens.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("after expiry Verify err = %v; want ErrInvalidToken", err)
	}
	if _, _, err := tokens.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("after expiry, parsed again: err = %v; want ErrInvalidToken", err)
	}
	if _, _, err := tokens.Verify(tok[:len(tok)-2] + "xx"); !errors.Is(err, ErrInvalidToken) || tokens.verified.Len() != 0 {
		t.Fatalf("tampered token: err = %v, %d remembered; want ErrInvalidToken and none", err, tokens.verified.Len())
	}
}

func TestNewTokensRejectsWeakSettings(t *testing.T) {
	if _, err := NewTokens("short", time.Hour); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := NewTokens(secret, 0); err == nil {
		t.Error("zero ttl accepted")
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 64 {
		t.Fatalf("secret %q: want 64 hex characters", first)
	}
	again, err := LoadOrCreateSecret(dir)
	if err != nil || again != first {
		t.Fatalf("second load = %q, %v; want the first secret", again, err)
	}
	info, err := os.Stat(filepath.Join(dir, "token_secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, %v; want 0600", info.Mode(), err)
	}
	otherInstall, _ := LoadOrCreateSecret(t.TempDir())
	if otherInstall == first {
		t.Fatal("two installs got the same secret")
	}
}
