// Package biz holds the account rules: what a valid username and password are, that usernames
// are unique, how passwords are checked, and what a profile shows before its owner edits it.
package biz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/byid"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewUserUsecase, NewArgon2idHasher, wire.Bind(new(PasswordHasher), new(*Argon2idHasher)))

const (
	// MaxNameLength and MaxPasswordLength are the contract's limits, in characters.
	MaxNameLength     = 32
	MaxPasswordLength = 32
	// MaxBatch bounds one GetUsers call; a feed page or comment list asks for far fewer.
	MaxBatch = 500

	defaultSignature = "This user hasn't written a signature yet."
)

var (
	// ErrUsernameTaken is returned when registering a name that exists.
	ErrUsernameTaken = apierror.New(userv1.ErrorReason_USERNAME_TAKEN, "this username is already taken")
	// ErrUserNotFound is returned for a username or id with no account.
	ErrUserNotFound = apierror.New(userv1.ErrorReason_USER_NOT_FOUND, "user not found")
	// ErrWrongCredentials is returned by Login for an unknown username and for a wrong password
	// alike: telling them apart would let anyone list the accounts.
	ErrWrongCredentials = apierror.New(userv1.ErrorReason_WRONG_CREDENTIALS, "wrong username or password")
	// ErrAccountSuspended is returned by Login for the right password of a banned account: only
	// someone who knows the password learns of the ban.
	ErrAccountSuspended = apierror.New(userv1.ErrorReason_ACCOUNT_SUSPENDED, "this account has been suspended")
	// ErrUsernameBlocked refuses registering a name with a blocked word in it. It does not
	// repeat the word: the refusal is shown as it is, and the writer knows what they wrote.
	ErrUsernameBlocked = apierror.New(userv1.ErrorReason_INVALID_ARGUMENT, "the username contains a word that is not allowed here")
)

// Blocklist tells whether text contains a word or phrase this server does not allow
// (moderation.blocked_words); an empty list allows everything.
type Blocklist interface {
	Blocks(text string) bool
}

// User is a profile with its counters.
type User struct {
	ID              int64
	Name            string
	Avatar          string
	BackgroundImage string
	Signature       string
	FollowCount     int64
	FollowerCount   int64
	TotalFavorited  int64
	WorkCount       int64
	FavoriteCount   int64
}

// Account is what decides whether a login token may act for a user.
type Account struct {
	ID int64
	// CreatedAt is when the account was made; a token issued before it was issued for another
	// account that had the same id in a data set since reset.
	CreatedAt time.Time
	// BannedAt is when an operator suspended the account; zero when it is not suspended.
	BannedAt time.Time
	// TokensRevokedAt is when the account's tokens were last revoked (its last ban), zero if
	// never: a ban ends every session, and lifting it gives none back.
	TokensRevokedAt time.Time
}

// Banned says whether the account is suspended: no token acts for it and it cannot log in.
func (a *Account) Banned() bool { return !a.BannedAt.IsZero() }

// TokensValidSince is the earliest issue time, in epoch seconds, of a token this account
// accepts: none from before it was made, or before its last ban. Tokens carry whole seconds, so
// a token issued in that very second is accepted (while a ban lasts, Banned refuses it anyway).
func (a *Account) TokensValidSince() int64 {
	if a.TokensRevokedAt.After(a.CreatedAt) {
		return a.TokensRevokedAt.Unix()
	}
	return a.CreatedAt.Unix()
}

// Credentials is what Login checks.
type Credentials struct {
	UserID       int64
	PasswordHash string
	Banned       bool
}

// UserRepo stores accounts.
type UserRepo interface {
	// Create stores a new account and returns its id, or ErrUsernameTaken.
	Create(ctx context.Context, username, passwordHash string) (int64, error)
	// FindCredentials returns the credentials of username, or ErrUserNotFound.
	FindCredentials(ctx context.Context, username string) (*Credentials, error)
	// GetUsers returns the users among ids that exist, in any order.
	GetUsers(ctx context.Context, ids []int64) ([]*User, error)
	// GetAccounts returns the accounts among ids that exist, in any order.
	GetAccounts(ctx context.Context, ids []int64) ([]*Account, error)
	// SetBanned suspends (banned) or reinstates userID's account at time at; a suspension also
	// revokes every token issued until at. It reports whether anything changed (false: it was
	// so already), or ErrUserNotFound.
	SetBanned(ctx context.Context, userID int64, banned bool, at time.Time) (changed bool, err error)
}

// PasswordHasher turns passwords into stored hashes and checks them.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, password, hash string) (bool, error)
}

// UserUsecase registers, logs in and looks up users.
type UserUsecase struct {
	repo   UserRepo
	hasher PasswordHasher
	// blocked are the words no new username may contain. Existing names stay, and log in:
	// a word added to the list later must not lock its holders out.
	blocked Blocklist
	// decoy is a hash of no one's password. A login for an unknown name checks the password
	// against it, so that answer takes as long as a wrong password's.
	decoy string
	log   *log.Helper
}

// NewUserUsecase returns a UserUsecase.
func NewUserUsecase(repo UserRepo, hasher PasswordHasher, blocked Blocklist, logger log.Logger) (*UserUsecase, error) {
	decoy, err := hasher.Hash(context.Background(), randomName())
	if err != nil {
		return nil, fmt.Errorf("hash the decoy password: %w", err)
	}
	return &UserUsecase{repo: repo, hasher: hasher, blocked: blocked, decoy: decoy, log: log.NewHelper(logger)}, nil
}

// Register creates an account and returns its id.
func (uc *UserUsecase) Register(ctx context.Context, username, password string) (int64, error) {
	username, err := validateCredentials(username, password)
	if err != nil {
		return 0, err
	}
	// Before the lookup: a blocked name is refused alike whether or not someone holds it.
	if uc.blocked.Blocks(username) {
		return 0, ErrUsernameBlocked
	}
	// Checked before hashing so a taken name costs a lookup, not a hash. The unique index
	// still decides when two registrations race.
	if _, err := uc.repo.FindCredentials(ctx, username); err == nil {
		return 0, ErrUsernameTaken
	} else if !errors.Is(err, ErrUserNotFound) {
		return 0, err
	}
	hash, err := uc.hasher.Hash(ctx, password)
	if err != nil {
		return 0, fmt.Errorf("hash password: %w", err)
	}
	return uc.repo.Create(ctx, username, hash)
}

// Login returns the id of the account whose username and password match. An unknown name and
// a wrong password get the same answer after the same work.
func (uc *UserUsecase) Login(ctx context.Context, username, password string) (int64, error) {
	username, err := validateCredentials(username, password)
	if err != nil {
		return 0, err
	}
	creds, err := uc.repo.FindCredentials(ctx, username)
	if errors.Is(err, ErrUserNotFound) {
		creds, err = &Credentials{PasswordHash: uc.decoy}, nil
	}
	if err != nil {
		return 0, err
	}
	ok, err := uc.hasher.Verify(ctx, password, creds.PasswordHash)
	if err != nil {
		return 0, fmt.Errorf("verify password of user %d: %w", creds.UserID, err)
	}
	if !ok || creds.UserID == 0 {
		return 0, ErrWrongCredentials
	}
	if creds.Banned {
		return 0, ErrAccountSuspended
	}
	return creds.UserID, nil
}

// SetBanned suspends (banned) or reinstates an account, an operator's action: a suspended
// account cannot log in, and no token issued before the suspension acts for it again, also
// after it is lifted. It reports whether anything changed; banning a banned account keeps its
// first ban.
// operator names who asked, for the log.
func (uc *UserUsecase) SetBanned(ctx context.Context, userID int64, banned bool, operator string) (bool, error) {
	if userID <= 0 {
		return false, invalidArgument("user_id must be positive")
	}
	changed, err := uc.repo.SetBanned(ctx, userID, banned, time.Now())
	if err != nil {
		return false, err
	}
	msg := "account reinstated"
	if banned {
		msg = "account suspended"
	}
	uc.log.WithContext(ctx).Infow("msg", msg, "user_id", userID, "operator", operator, "changed", changed)
	return changed, nil
}

// GetUsers returns the users among ids that exist, in the order of ids, without repeats, with
// defaults filled in for profile fields the owner never set.
func (uc *UserUsecase) GetUsers(ctx context.Context, ids []int64) ([]*User, error) {
	wanted := byid.Distinct(ids)
	if len(wanted) > MaxBatch {
		return nil, invalidArgument("at most %d users can be fetched at once", MaxBatch)
	}
	if len(wanted) == 0 {
		return nil, nil
	}
	found, err := uc.repo.GetUsers(ctx, wanted)
	if err != nil {
		return nil, err
	}
	out := byid.Order(wanted, found, func(u *User) int64 { return u.ID })
	for i, u := range out {
		out[i] = withDefaults(u)
	}
	return out, nil
}

// GetAccounts returns the accounts among ids that exist, in any order.
func (uc *UserUsecase) GetAccounts(ctx context.Context, ids []int64) ([]*Account, error) {
	ids = byid.Distinct(ids)
	if len(ids) > MaxBatch {
		return nil, invalidArgument("at most %d accounts can be fetched at once", MaxBatch)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return uc.repo.GetAccounts(ctx, ids)
}

// withDefaults gives a profile the images and signature shown until its owner sets their own.
// Images are paths under the gateway, which draws one per user id; the gateway turns them into
// absolute URLs.
func withDefaults(u *User) *User {
	if u.Avatar == "" {
		u.Avatar = "/static/avatar/" + strconv.FormatInt(u.ID, 10) + ".png"
	}
	if u.BackgroundImage == "" {
		u.BackgroundImage = "/static/background/" + strconv.FormatInt(u.ID, 10) + ".png"
	}
	if u.Signature == "" {
		u.Signature = defaultSignature
	}
	return u
}

// validateCredentials checks a username and password against the contract and returns the
// username in the form it is stored and looked up in.
func validateCredentials(username, password string) (string, error) {
	if !utf8.ValidString(username) {
		return "", invalidArgument("username is not valid UTF-8")
	}
	if strings.TrimSpace(username) == "" {
		return "", invalidArgument("username must not be empty")
	}
	if n := utf8.RuneCountInString(username); n > 4*MaxNameLength {
		// Refused before normalising: nothing this long can shrink to a valid name.
		return "", invalidArgument("username must be at most %d characters, got %d", MaxNameLength, n)
	}
	// Names are compared as people read them (see CanonicalName).
	name, err := userv1.CanonicalName(username)
	switch n := utf8.RuneCountInString(name); {
	case err != nil:
		return "", invalidArgument("username must not contain invisible, control or text-direction characters")
	case n == 0:
		return "", invalidArgument("username must not be empty")
	case n > MaxNameLength:
		return "", invalidArgument("username must be at most %d characters, got %d", MaxNameLength, n)
	}
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		return "", invalidArgument("password is not valid UTF-8")
	case n == 0:
		return "", invalidArgument("password must not be empty")
	case n > MaxPasswordLength:
		return "", invalidArgument("password must be at most %d characters, got %d", MaxPasswordLength, n)
	}
	return name, nil
}

func randomName() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func invalidArgument(format string, args ...any) error {
	return apierror.New(userv1.ErrorReason_INVALID_ARGUMENT, format, args...)
}
