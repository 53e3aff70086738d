// Package data reaches the domain apps over gRPC and implements the gateway's biz interfaces.
package data

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/auth"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// ProviderSet provides the clients of this package.
var ProviderSet = wire.NewSet(
	NewUserRepo, wire.Bind(new(biz.UserRepo), new(*UserRepo)), wire.Bind(new(biz.AccountRepo), new(*UserRepo)),
	NewRedis, NewRateLimiter, NewLoginFailureStore,
	NewTokens, wire.Bind(new(biz.TokenManager), new(*auth.Tokens)),
	NewVideoDirectory, wire.Bind(new(biz.VideoDirectory), new(*VideoDirectory)),
	NewObjectStore,
	NewFavoriteRepo, wire.Bind(new(biz.FavoriteRepo), new(*FavoriteRepo)),
	NewCommentRepo, wire.Bind(new(biz.CommentRepo), new(*CommentRepo)),
	NewRelationRepo, wire.Bind(new(biz.RelationRepo), new(*RelationRepo)), wire.Bind(new(biz.FollowRepo), new(*RelationRepo)),
	NewMessageRepo, wire.Bind(new(biz.MessageRepo), new(*MessageRepo)), wire.Bind(new(biz.LatestMessages), new(*MessageRepo)),
)

// UserRepo implements biz.UserRepo and biz.AccountRepo with the user app's gRPC API.
type UserRepo struct {
	client      userv1.UserServiceClient
	callTimeout time.Duration
	accounts    *accountCache
}

// NewUserRepo dials the user app. Register and login may take as long as the request may
// (http.timeout): password hashing is slow on purpose and queues under a burst, and a burst of
// sign-ups should wait rather than fail. Everything else gets the usual call timeout.
func NewUserRepo(services *confv1.Services, http *confv1.HTTP, dialer *rpc.Dialer) (*UserRepo, func(), error) {
	callTimeout := services.GetCallTimeout().AsDuration()
	conn, closeConn, err := dialer.Dial(services.GetUser(), max(callTimeout, http.GetTimeout().AsDuration()), rpc.Retry(userv1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &UserRepo{client: userv1.NewUserServiceClient(conn), callTimeout: callTimeout, accounts: newAccountCache()}, closeConn, nil
}

// Register implements biz.UserRepo.
func (r *UserRepo) Register(ctx context.Context, username, password string) (int64, error) {
	reply, err := r.client.Register(ctx, &userv1.RegisterRequest{Username: username, Password: password})
	if err != nil {
		return 0, err
	}
	// The id may have been remembered as missing (a stale token of a reset data set asked for
	// it); the new account's own token must work at once.
	r.accounts.forget(reply.GetUserId())
	return reply.GetUserId(), nil
}

// Login implements biz.UserRepo.
func (r *UserRepo) Login(ctx context.Context, username, password string) (int64, error) {
	reply, err := r.client.Login(ctx, &userv1.LoginRequest{Username: username, Password: password})
	if err != nil {
		return 0, err
	}
	r.accounts.forget(reply.GetUserId())
	return reply.GetUserId(), nil
}

// TokensValidSince implements biz.AccountRepo: from memory, or one call to the user app per
// account and minute (concurrent misses for one account share that call).
func (r *UserRepo) TokensValidSince(ctx context.Context, userID int64) (int64, bool, error) {
	if since, exists, ok := r.accounts.get(userID); ok {
		return since, exists, nil
	}
	v, err, _ := r.accounts.flight.Do(strconv.FormatInt(userID, 10), func() (any, error) {
		// Shared by every caller waiting on this flight: not bound to the first one's request.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.callTimeout)
		defer cancel()
		reply, err := r.client.GetAccounts(ctx, &userv1.GetAccountsRequest{Ids: []int64{userID}})
		if err != nil {
			return nil, err
		}
		for _, a := range reply.GetAccounts() {
			if a.GetId() == userID {
				r.accounts.remember(userID, a.GetTokensValidSince())
				return a.GetTokensValidSince(), nil
			}
		}
		r.accounts.rememberMissing(userID)
		return nil, nil
	})
	if err != nil {
		return 0, false, err
	}
	if v == nil {
		return 0, false, nil
	}
	return v.(int64), true, nil
}

// GetUsers implements biz.UserRepo.
func (r *UserRepo) GetUsers(ctx context.Context, ids []int64) ([]*biz.User, error) {
	ctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	reply, err := r.client.GetUsers(ctx, &userv1.GetUsersRequest{Ids: ids})
	if err != nil {
		return nil, err
	}
	users := make([]*biz.User, len(reply.GetUsers()))
	for i, u := range reply.GetUsers() {
		users[i] = &biz.User{
			ID:              u.GetId(),
			Name:            u.GetName(),
			Avatar:          u.GetAvatar(),
			BackgroundImage: u.GetBackgroundImage(),
			Signature:       u.GetSignature(),
			FollowCount:     u.GetFollowCount(),
			FollowerCount:   u.GetFollowerCount(),
			TotalFavorited:  u.GetTotalFavorited(),
			WorkCount:       u.GetWorkCount(),
			FavoriteCount:   u.GetFavoriteCount(),
		}
	}
	return users, nil
}

// NewTokens returns the token manager. Every gateway replica must share one secret, so there
// is no fallback here: the all-in-one fills the secret in before the gateway starts.
func NewTokens(settings *confv1.Auth) (*auth.Tokens, error) {
	if settings.GetTokenSecret() == "" {
		return nil, errors.New("auth.token_secret (DOUYIN_AUTH_TOKEN_SECRET) is not set; every gateway must be given the same secret")
	}
	return auth.NewTokens(settings.GetTokenSecret(), settings.GetTokenTtl().AsDuration())
}
