// Package auth issues and verifies the opaque login tokens of the Douyin API.
//
// Tokens are HS256 JWTs whose subject is the user id. The app never refreshes a token, so they
// live long (configurable); expiry is checked here, on the server.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

const issuer = "douyin"

// ErrInvalidToken means a token is malformed, forged, expired or for no user.
var ErrInvalidToken = errors.New("invalid token")

// Tokens signs and checks tokens with one shared secret.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	parser *jwt.Parser
	now    func() time.Time
	// verified remembers tokens whose signature and claims were checked: every request of a
	// logged-in client carries the same token, and parsing it (base64, JSON, HMAC) again each
	// time is a noticeable part of a cheap request. Only valid tokens are kept, so a flood of
	// forged ones cannot push out the real ones; expiry is still checked on every use.
	verified *lru.Cache[string, claims]
}

// claims is what a verified token says.
type claims struct {
	userID    int64
	issuedAt  time.Time
	expiresAt time.Time
}

// verifiedTokens bounds the tokens remembered: about one per recently active user, a few MB.
const verifiedTokens = 50_000

// NewTokens returns a Tokens for secret, issuing tokens that expire after ttl.
func NewTokens(secret string, ttl time.Duration) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("token secret must be at least 16 characters")
	}
	if ttl <= 0 {
		return nil, errors.New("token ttl must be positive")
	}
	verified, err := lru.New[string, claims](verifiedTokens)
	if err != nil {
		return nil, err
	}
	t := &Tokens{secret: []byte(secret), ttl: ttl, now: time.Now, verified: verified}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), // refuses a token issued in the future
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
	)
	return t, nil
}

// Issue returns a new token for userID.
func (t *Tokens) Issue(userID int64) (string, error) {
	now := t.now()
	claims := jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   strconv.FormatInt(userID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

// Verify returns the user id a valid token was issued for and when it was issued, or
// ErrInvalidToken. Whether that user still exists, and still accepts tokens issued then, is
// for the caller to check.
func (t *Tokens) Verify(token string) (userID int64, issuedAt time.Time, err error) {
	if c, ok := t.verified.Get(token); ok {
		if !t.now().Before(c.expiresAt) {
			t.verified.Remove(token)
			return 0, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, jwt.ErrTokenExpired)
		}
		return c.userID, c.issuedAt, nil
	}
	c, err := t.parse(token)
	if err != nil {
		return 0, time.Time{}, err
	}
	t.verified.Add(token, c)
	return c.userID, c.issuedAt, nil
}

func (t *Tokens) parse(token string) (claims, error) {
	var rc jwt.RegisteredClaims
	if _, err := t.parser.ParseWithClaims(token, &rc, func(*jwt.Token) (any, error) { return t.secret, nil }); err != nil {
		return claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	id, err := strconv.ParseInt(rc.Subject, 10, 64)
	if err != nil || id <= 0 {
		return claims{}, fmt.Errorf("%w: bad subject %q", ErrInvalidToken, rc.Subject)
	}
	if rc.IssuedAt == nil {
		return claims{}, fmt.Errorf("%w: no issue time", ErrInvalidToken)
	}
	// WithExpirationRequired has made sure there is one.
	return claims{userID: id, issuedAt: rc.IssuedAt.Time, expiresAt: rc.ExpiresAt.Time}, nil
}

// LoadOrCreateSecret returns the secret kept in dir/token_secret, creating it with 32 random
// bytes on first use. It lets an all-in-one install keep its users logged in across restarts
// without anyone choosing a secret, and gives every install its own.
func LoadOrCreateSecret(dir string) (string, error) {
	return LoadOrCreateSecretFile(dir, "token_secret")
}

// LoadOrCreateSecretFile returns the secret kept in dir/name, creating it with 32 random bytes,
// hex-encoded, readable by its owner only, on first use.
func LoadOrCreateSecretFile(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			return s, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(raw)
	// Written aside and renamed so a crash never leaves an empty or half-written secret.
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return "", err
	}
	// Link, unlike rename, fails if another process created the secret meanwhile; then use theirs.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreateSecretFile(dir, name)
		}
		return "", err
	}
	return secret, nil
}
