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
}

// NewTokens returns a Tokens for secret, issuing tokens that expire after ttl.
func NewTokens(secret string, ttl time.Duration) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("token secret must be at least 16 characters")
	}
	if ttl <= 0 {
		return nil, errors.New("token ttl must be positive")
	}
	return &Tokens{
		secret: []byte(secret),
		ttl:    ttl,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(), // refuses a token issued in the future
		),
		now: time.Now,
	}, nil
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
	var claims jwt.RegisteredClaims
	if _, err := t.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.secret, nil }); err != nil {
		return 0, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, time.Time{}, fmt.Errorf("%w: bad subject %q", ErrInvalidToken, claims.Subject)
	}
	if claims.IssuedAt == nil {
		return 0, time.Time{}, fmt.Errorf("%w: no issue time", ErrInvalidToken)
	}
	return id, claims.IssuedAt.Time, nil
}

// LoadOrCreateSecret returns the secret kept in dir/token_secret, creating it with 32 random
// bytes on first use. It lets an all-in-one install keep its users logged in across restarts
// without anyone choosing a secret, and gives every install its own.
func LoadOrCreateSecret(dir string) (string, error) {
	path := filepath.Join(dir, "token_secret")
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
	tmp, err := os.CreateTemp(dir, "token_secret.*")
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
			return LoadOrCreateSecret(dir)
		}
		return "", err
	}
	return secret, nil
}
