// Package biz holds the gateway's rules: who the viewer is, which user a request is about, and
// how answers from the domain apps are joined into what the app shows.
package biz

import (
	"context"
	"time"

	"github.com/google/wire"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewAccountUsecase, VideoProviderSet, NewRelationUsecase, NewMessageUsecase, NewThrottle)

var (
	// ErrLoginRequired is returned when an action needs a token and none was given.
	ErrLoginRequired = apierror.New(gatewayv1.ErrorReason_UNAUTHENTICATED, "please log in first: this request needs a token")
	// ErrBadToken is returned for a token that is forged, malformed or expired.
	ErrBadToken = apierror.New(gatewayv1.ErrorReason_UNAUTHENTICATED, "your login is invalid or has expired, please log in again")
)

// User is a profile as the viewer sees it.
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
	// IsFollow is whether the viewer follows this user.
	IsFollow bool
}

// UserRepo is the user app, as the gateway uses it.
type UserRepo interface {
	Register(ctx context.Context, username, password string) (int64, error)
	Login(ctx context.Context, username, password string) (int64, error)
	// GetUsers returns the users among ids that exist.
	GetUsers(ctx context.Context, ids []int64) ([]*User, error)
}

// TokenManager issues and checks login tokens.
type TokenManager interface {
	Issue(userID int64) (string, error)
	// Verify returns the user a token was issued for and when, or an error if it is forged,
	// malformed or expired.
	Verify(token string) (userID int64, issuedAt time.Time, err error)
}

// AccountRepo says whether the tokens of an account are still good. It is asked on every
// request that carries a token, so it must answer from memory nearly always.
type AccountRepo interface {
	// TokensValidSince returns the earliest issue time (epoch seconds) of a token userID's
	// account accepts, and false when there is no such account.
	TokensValidSince(ctx context.Context, userID int64) (since int64, exists bool, err error)
}

// AccountUsecase registers and logs in users, resolves viewers and shows profiles.
type AccountUsecase struct {
	users    UserRepo
	accounts AccountRepo
	joiner   *UserJoiner
	tokens   TokenManager
	throttle *Throttle
}

// NewAccountUsecase returns an AccountUsecase.
func NewAccountUsecase(users UserRepo, accounts AccountRepo, joiner *UserJoiner, tokens TokenManager, throttle *Throttle) *AccountUsecase {
	return &AccountUsecase{users: users, accounts: accounts, joiner: joiner, tokens: tokens, throttle: throttle}
}

// Session is a logged-in user and their token.
type Session struct {
	UserID int64
	Token  string
}

// Register creates an account from client (a client address, see clientip.Key) and logs it in,
// as the app expects.
func (uc *AccountUsecase) Register(ctx context.Context, client, username, password string) (*Session, error) {
	if err := uc.throttle.Register(ctx, client); err != nil {
		return nil, err
	}
	id, err := uc.users.Register(ctx, username, password)
	if err != nil {
		return nil, err
	}
	return uc.session(id)
}

// Login checks credentials sent from client and returns a new session. Wrong passwords for one
// name from one client buy a growing wait (Throttle.StartLogin).
func (uc *AccountUsecase) Login(ctx context.Context, client, username, password string) (*Session, error) {
	if err := uc.throttle.StartLogin(ctx, client, username); err != nil {
		return nil, err
	}
	id, err := uc.users.Login(ctx, username, password)
	uc.throttle.FinishLogin(ctx, client, username, err)
	if err != nil {
		return nil, err
	}
	return uc.session(id)
}

func (uc *AccountUsecase) session(userID int64) (*Session, error) {
	token, err := uc.tokens.Issue(userID)
	if err != nil {
		return nil, err
	}
	return &Session{UserID: userID, Token: token}, nil
}

// Viewer returns who is looking: 0 for an anonymous viewer (no token), the token's user
// otherwise. A token that is present but not valid is an error, never silently anonymous. A
// token is only as good as its account: one whose user does not exist, or was issued before
// the account was (the id belonged to an account of a data set since reset, signed with a
// secret that was kept), acts for nobody.
func (uc *AccountUsecase) Viewer(ctx context.Context, token string) (int64, error) {
	if token == "" {
		return 0, nil
	}
	id, issuedAt, err := uc.tokens.Verify(token)
	if err != nil {
		return 0, ErrBadToken
	}
	since, exists, err := uc.accounts.TokensValidSince(ctx, id)
	if err != nil {
		return 0, err
	}
	if !exists || issuedAt.Unix() < since {
		return 0, ErrBadToken
	}
	return id, nil
}

// RequireViewer is Viewer for requests that need a logged-in user.
func (uc *AccountUsecase) RequireViewer(ctx context.Context, token string) (int64, error) {
	if token == "" {
		return 0, ErrLoginRequired
	}
	return uc.Viewer(ctx, token)
}

// Profile returns userID's profile as viewerID sees it; userID 0 means the viewer's own.
func (uc *AccountUsecase) Profile(ctx context.Context, viewerID, userID int64) (*User, error) {
	// Subject's rules, with the one Join that also says whether the viewer follows the user.
	userID, err := subjectID(viewerID, userID)
	if err != nil {
		return nil, err
	}
	users, err := uc.joiner.Join(ctx, viewerID, []int64{userID})
	if err != nil {
		return nil, err
	}
	u, ok := users[userID]
	if !ok {
		return nil, subjectMissing(viewerID, userID)
	}
	return u, nil
}

var errAnonymousWithoutUser = apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "user_id is required when not logged in")

var errUserNotFound = apierror.New(gatewayv1.ErrorReason_NOT_FOUND, "user not found")
