// Package data reaches the domain apps over gRPC and implements the gateway's biz interfaces.
package data

import (
	"context"
	"errors"
	"fmt"
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
	wire.Bind(new(biz.AccountAdmin), new(*UserRepo)), NewAccountChanges,
	NewRedis, NewRateLimiter, NewLoginFailureStore, NewChanges,
	NewTokens, wire.Bind(new(biz.TokenManager), new(*auth.Tokens)),
	NewVideoDirectory, wire.Bind(new(biz.VideoDirectory), new(*VideoDirectory)), wire.Bind(new(biz.VideoAdmin), new(*VideoDirectory)),
	NewObjectStore,
	NewFavoriteRepo, wire.Bind(new(biz.FavoriteRepo), new(*FavoriteRepo)),
	NewCommentRepo, wire.Bind(new(biz.CommentRepo), new(*CommentRepo)), wire.Bind(new(biz.CommentAdmin), new(*CommentRepo)),
	NewRelationRepo, wire.Bind(new(biz.RelationRepo), new(*RelationRepo)), wire.Bind(new(biz.FollowRepo), new(*RelationRepo)),
	NewMessageRepo, wire.Bind(new(biz.MessageRepo), new(*MessageRepo)), wire.Bind(new(biz.LatestMessages), new(*MessageRepo)),
)

// UserRepo implements biz.UserRepo, biz.AccountRepo and biz.AccountAdmin with the user app's
// gRPC API.
type UserRepo struct {
	client      userv1.UserServiceClient
	callTimeout time.Duration
	accounts    *accountCache
	// redis tells the other gateway replicas of account changes; nil without one.
	redis *Redis
}

// NewUserRepo dials the user app. Register and login may take as long as the request may
// (http.timeout): password hashing is slow on purpose and queues under a burst, and a burst of
// sign-ups should wait rather than fail. Everything else gets the usual call timeout.
func NewUserRepo(services *confv1.Services, http *confv1.HTTP, dialer *rpc.Dialer, redis *Redis) (*UserRepo, func(), error) {
	callTimeout := services.GetCallTimeout().AsDuration()
	conn, closeConn, err := dialer.Dial(services.GetUser(), max(callTimeout, http.GetTimeout().AsDuration()), rpc.Retry(userv1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &UserRepo{client: userv1.NewUserServiceClient(conn), callTimeout: callTimeout, accounts: newAccountCache(), redis: redis}, closeConn, nil
}

// Register implements biz.UserRepo.
func (r *UserRepo) Register(ctx context.Context, username, password string) (int64, error) {
	reply, err := r.client.Register(ctx, &userv1.RegisterRequest{Username: username, Password: password})
	return r.signedIn(reply.GetUserId(), err)
}

// Login implements biz.UserRepo.
func (r *UserRepo) Login(ctx context.Context, username, password string) (int64, error) {
	reply, err := r.client.Login(ctx, &userv1.LoginRequest{Username: username, Password: password})
	return r.signedIn(reply.GetUserId(), err)
}

// signedIn is the answer to a register or login of user id (unless err). The id may have been
// remembered as missing (a stale token of a reset data set asked for it); the token the
// account gets now must work at once.
func (r *UserRepo) signedIn(id int64, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	r.accounts.forget(id)
	return id, nil
}

// Account implements biz.AccountRepo: from memory, or one call to the user app per account and
// minute (concurrent misses for one account share that call).
func (r *UserRepo) Account(ctx context.Context, userID int64) (*biz.Account, error) {
	if a, ok := r.accounts.get(userID); ok {
		return a, nil
	}
	v, err, _ := r.accounts.flight.Do(strconv.FormatInt(userID, 10), func() (any, error) {
		// Shared by every caller waiting on this flight: not bound to the first one's request.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.callTimeout)
		defer cancel()
		epoch := r.accounts.changes.Load()
		reply, err := r.client.GetAccounts(ctx, &userv1.GetAccountsRequest{Ids: []int64{userID}})
		if err != nil {
			return nil, err
		}
		var found *biz.Account
		for _, a := range reply.GetAccounts() {
			if a.GetId() == userID {
				found = &biz.Account{TokensValidSince: a.GetTokensValidSince(), Banned: a.GetBanned()}
			}
		}
		r.accounts.remember(userID, found, epoch)
		return found, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*biz.Account), nil
}

// SetBanned implements biz.AccountAdmin. The other replicas are told even when nothing changed,
// so that repeating a ban whose announcement failed repairs it.
func (r *UserRepo) SetBanned(ctx context.Context, userID int64, banned bool, operator string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	var changed bool
	var err error
	if banned {
		var reply *userv1.BanReply
		reply, err = r.client.Ban(ctx, &userv1.BanRequest{UserId: userID, Operator: operator})
		changed = reply.GetChanged()
	} else {
		var reply *userv1.UnbanReply
		reply, err = r.client.Unban(ctx, &userv1.UnbanRequest{UserId: userID, Operator: operator})
		changed = reply.GetChanged()
	}
	// Forgotten after an error too: the change may have been made with its answer lost.
	r.accounts.forget(userID)
	if err != nil {
		return false, err
	}
	if r.redis != nil {
		if err := r.redis.announceAccountChange(ctx, userID); err != nil {
			return changed, fmt.Errorf("user %d is changed, but the other gateways could not be told and follow within %v (run the action again to retry): %w", userID, accountTTL, err)
		}
	}
	return changed, nil
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
