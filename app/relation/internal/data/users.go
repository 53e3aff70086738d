package data

import (
	"context"
	"fmt"

	"github.com/hashicorp/golang-lru/v2/expirable"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// UserDirectory implements biz.UserDirectory with the user app, remembering users found: users
// are never deleted, so a user who existed once still does, and the popular are followed over
// and over. Users not found are not remembered: they may register a moment later.
type UserDirectory struct {
	client userv1.UserServiceClient
	known  *expirable.LRU[int64, struct{}]
}

// NewUserDirectory dials the user app.
func NewUserDirectory(services *confv1.Services, dialer *rpc.Dialer) (*UserDirectory, func(), error) {
	conn, closeConn, err := dialer.Dial(services.GetUser(), services.GetCallTimeout().AsDuration(), rpc.Retry(userv1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return newUserDirectory(userv1.NewUserServiceClient(conn)), closeConn, nil
}

func newUserDirectory(client userv1.UserServiceClient) *UserDirectory {
	return &UserDirectory{client: client, known: expirable.NewLRU[int64, struct{}](100_000, nil, 0)}
}

// Exists implements biz.UserDirectory.
func (d *UserDirectory) Exists(ctx context.Context, userID int64) (bool, error) {
	if _, ok := d.known.Get(userID); ok {
		return true, nil
	}
	reply, err := d.client.GetUsers(ctx, &userv1.GetUsersRequest{Ids: []int64{userID}})
	if err != nil {
		return false, fmt.Errorf("look up user %d: %w", userID, err)
	}
	for _, u := range reply.GetUsers() {
		if u.GetId() == userID {
			d.known.Add(userID, struct{}{})
			return true, nil
		}
	}
	return false, nil
}
