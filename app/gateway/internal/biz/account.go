// Package biz holds the gateway's rules: who the viewer is, which user a request is about, and
// how answers from the domain apps are joined into what the app shows.
package biz

import (
	"context"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewAccountUsecase, VideoProviderSet, NewRelationUsecase, NewMessageUsecase, NewThrottle, NewTakedownUsecase)

var (
	// ErrLoginRequired is returned when an action needs a token and none was given.
	ErrLoginRequired = apierror.New(gatewayv1.ErrorReason_UNAUTHENTICATED, "please log in first: this request needs a token")
	// ErrBadToken is returned for a token that is forged, malformed or expired.
	ErrBadToken = apierror.New(gatewayv1.ErrorReason_UNAUTHENTICATED, "your login is invalid or has expired, please log in again")
	// ErrAccountSuspended is returned for a token of an account an operator banned.
	ErrAccountSuspended = apierror.New(gatewayv1.ErrorReason_ACCOUNT_SUSPENDED, "this account has been suspended")
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

// Account is what decides whether a token may act for a user.
type Account struct {
	// TokensValidSince is the earliest issue time (epoch seconds) of a token the account
	// accepts.
	TokensValidSince int64
	// Banned says an operator suspended the account: no token acts for it.
	Banned bool
}

// AccountRepo says whether the tokens of an account are still good. It is asked on every
// request that carries a token, so it must answer from memory nearly always.
type AccountRepo interface {
	// Account returns userID's account, or nil when there is none.
	Account(ctx context.Context, userID int64) (*Account, error)
}

// AccountUsecase registers and logs in users, resolves viewers and shows profiles.
type AccountUsecase struct {
	users    UserRepo
	accounts AccountRepo
	joiner   *UserJoiner
	tokens   TokenManager
	throttle *Throttle
	log      *log.Helper
}

// NewAccountUsecase returns an AccountUsecase.
func NewAccountUsecase(users UserRepo, accounts AccountRepo, joiner *UserJoiner, tokens TokenManager, throttle *Throttle, logger log.Logger) *AccountUsecase {
	return &AccountUsecase{users: users, accounts: accounts, joiner: joiner, tokens: tokens, throttle: throttle, log: log.NewHelper(logger)}
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
// secret that was kept), acts for nobody; so does every token of an account an operator
// suspended (ErrAccountSuspended), from the moment of the ban.
func (uc *AccountUsecase) Viewer(ctx context.Context, token string) (int64, error) {
	id, actsForNobody, err := uc.resolve(ctx, token)
	if actsForNobody != nil {
		return 0, actsForNobody
	}
	return id, err
}

// resolve returns the user token acts for (0 for no token), or why it acts for nobody (nil:
// it acts for id): ErrBadToken when it is forged, malformed, expired, or names no account that
// accepts it, ErrAccountSuspended when its account is banned.
func (uc *AccountUsecase) resolve(ctx context.Context, token string) (id int64, actsForNobody, err error) {
	if token == "" {
		return 0, nil, nil
	}
	id, issuedAt, err := uc.tokens.Verify(token)
	if err != nil {
		return 0, ErrBadToken, nil
	}
	account, err := uc.accounts.Account(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case account == nil:
		return 0, ErrBadToken, nil
	case account.Banned: // before the issue time, which the ban moved past every token
		return 0, ErrAccountSuspended, nil
	case issuedAt.Unix() < account.TokensValidSince:
		return 0, ErrBadToken, nil
	}
	return id, nil, nil
}

// FeedViewer is Viewer for the feed, the one answer where a token that acts for nobody
// (forged, malformed, expired, of an account that no longer exists or is suspended) reads as no
// token: the
// feed answers such a request exactly as it answers an anonymous one. The app shows the feed
// before anyone logs in and keeps its token forever, also after the server's data (and with
// it the token secret or the account) was reset; refusing would leave the phone with an empty
// feed and nothing that tells its user to log in again. Every other request still refuses such
// a token (Viewer): there the token is a claim to act, or to see as someone, and a wrong claim
// must not pass unnoticed. Failures to check a token (the user app away) are still errors.
func (uc *AccountUsecase) FeedViewer(ctx context.Context, token string) (int64, error) {
	id, actsForNobody, err := uc.resolve(ctx, token)
	if actsForNobody != nil {
		// Debug only: every feed page of such a phone comes here until its user logs in again.
		uc.log.WithContext(ctx).Debugw("msg", "feed answered as anonymous: the token acts for nobody")
	}
	return id, err
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

var errUserNotFound = apierror.New(gatewayv1.ErrorReason_USER_NOT_FOUND, "user not found")
