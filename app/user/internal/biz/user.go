// Package biz holds the account rules: what a valid username and password are, that usernames
// are unique, how passwords are checked, and what a profile shows before its owner edits it.
package biz

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/google/wire"

	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
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
	// ErrWrongPassword is returned by Login when the password does not match.
	ErrWrongPassword = apierror.New(userv1.ErrorReason_WRONG_PASSWORD, "wrong password")
)

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

// Credentials is what Login checks.
type Credentials struct {
	UserID       int64
	PasswordHash string
}

// UserRepo stores accounts.
type UserRepo interface {
	// Create stores a new account and returns its id, or ErrUsernameTaken.
	Create(ctx context.Context, username, passwordHash string) (int64, error)
	// FindCredentials returns the credentials of username, or ErrUserNotFound.
	FindCredentials(ctx context.Context, username string) (*Credentials, error)
	// GetUsers returns the users among ids that exist, in any order.
	GetUsers(ctx context.Context, ids []int64) ([]*User, error)
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
}

// NewUserUsecase returns a UserUsecase.
func NewUserUsecase(repo UserRepo, hasher PasswordHasher) *UserUsecase {
	return &UserUsecase{repo: repo, hasher: hasher}
}

// Register creates an account and returns its id.
func (uc *UserUsecase) Register(ctx context.Context, username, password string) (int64, error) {
	if err := validateCredentials(username, password); err != nil {
		return 0, err
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

// Login returns the id of the account whose username and password match.
func (uc *UserUsecase) Login(ctx context.Context, username, password string) (int64, error) {
	if err := validateCredentials(username, password); err != nil {
		return 0, err
	}
	creds, err := uc.repo.FindCredentials(ctx, username)
	if err != nil {
		return 0, err
	}
	ok, err := uc.hasher.Verify(ctx, password, creds.PasswordHash)
	if err != nil {
		return 0, fmt.Errorf("verify password of user %d: %w", creds.UserID, err)
	}
	if !ok {
		return 0, ErrWrongPassword
	}
	return creds.UserID, nil
}

// GetUsers returns the users among ids that exist, in the order of ids, without repeats, with
// defaults filled in for profile fields the owner never set.
func (uc *UserUsecase) GetUsers(ctx context.Context, ids []int64) ([]*User, error) {
	wanted := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			wanted = append(wanted, id)
		}
	}
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
	byID := make(map[int64]*User, len(found))
	for _, u := range found {
		byID[u.ID] = u
	}
	out := make([]*User, 0, len(found))
	for _, id := range wanted {
		if u, ok := byID[id]; ok {
			out = append(out, withDefaults(u))
		}
	}
	return out, nil
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

func validateCredentials(username, password string) error {
	switch n := utf8.RuneCountInString(username); {
	case !utf8.ValidString(username):
		return invalidArgument("username is not valid UTF-8")
	case n == 0:
		return invalidArgument("username must not be empty")
	case n > MaxNameLength:
		return invalidArgument("username must be at most %d characters, got %d", MaxNameLength, n)
	case strings.TrimSpace(username) != username:
		return invalidArgument("username must not start or end with a space")
	case strings.ContainsFunc(username, unicode.IsControl):
		return invalidArgument("username must not contain control characters")
	}
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		return invalidArgument("password is not valid UTF-8")
	case n == 0:
		return invalidArgument("password must not be empty")
	case n > MaxPasswordLength:
		return invalidArgument("password must be at most %d characters, got %d", MaxPasswordLength, n)
	}
	return nil
}

func invalidArgument(format string, args ...any) error {
	return apierror.New(userv1.ErrorReason_INVALID_ARGUMENT, format, args...)
}
