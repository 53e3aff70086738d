// Package biz holds the gateway's rules: who the viewer is, which user a request is about, and
// how answers from the domain apps are joined into what the app shows.
package biz

import (
	"context"

	"github.com/google/wire"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewAccountUsecase, VideoProviderSet, NewRelationUsecase, NewMessageUsecase)

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
	// Verify returns the user a token belongs to, or an error if it is not valid.
	Verify(token string) (int64, error)
}

// AccountUsecase registers and logs in users, resolves viewers and shows profiles.
type AccountUsecase struct {
	users  UserRepo
	joiner *UserJoiner
	tokens TokenManager
}

// NewAccountUsecase returns an AccountUsecase.
func NewAccountUsecase(users UserRepo, joiner *UserJoiner, tokens TokenManager) *AccountUsecase {
	return &AccountUsecase{users: users, joiner: joiner, tokens: tokens}
}

// Session is a logged-in user and their token.
type Session struct {
	UserID int64
	Token  string
}

// Register creates an account and logs it in, as the app expects.
func (uc *AccountUsecase) Register(ctx context.Context, username, password string) (*Session, error) {
	id, err := uc.users.Register(ctx, username, password)
	if err != nil {
		return nil, err
	}
	return uc.session(id)
}

// Login checks credentials and returns a new session.
func (uc *AccountUsecase) Login(ctx context.Context, username, password string) (*Session, error) {
	id, err := uc.users.Login(ctx, username, password)
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
// otherwise. A token that is present but not valid is an error, never silently anonymous.
func (uc *AccountUsecase) Viewer(token string) (int64, error) {
	if token == "" {
		return 0, nil
	}
	id, err := uc.tokens.Verify(token)
	if err != nil {
		return 0, ErrBadToken
	}
	return id, nil
}

// RequireViewer is Viewer for requests that need a logged-in user.
func (uc *AccountUsecase) RequireViewer(token string) (int64, error) {
	if token == "" {
		return 0, ErrLoginRequired
	}
	return uc.Viewer(token)
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
