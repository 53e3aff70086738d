// Package service implements the user app's gRPC API by mapping its messages to the use cases.
package service

import (
	"context"

	"github.com/google/wire"
	"google.golang.org/grpc"

	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/app/user/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewUserService, wire.Bind(new(bootstrap.GRPCService), new(*UserService)))

// UserService implements userv1.UserServiceServer.
type UserService struct {
	userv1.UnimplementedUserServiceServer
	uc *biz.UserUsecase
}

// NewUserService returns a UserService.
func NewUserService(uc *biz.UserUsecase) *UserService {
	return &UserService{uc: uc}
}

// RegisterOn implements bootstrap.GRPCService.
func (s *UserService) RegisterOn(srv grpc.ServiceRegistrar) { userv1.RegisterUserServiceServer(srv, s) }

// Register implements userv1.UserServiceServer.
func (s *UserService) Register(ctx context.Context, req *userv1.RegisterRequest) (*userv1.RegisterReply, error) {
	id, err := s.uc.Register(ctx, req.GetUsername(), req.GetPassword())
	if err != nil {
		return nil, err
	}
	return &userv1.RegisterReply{UserId: id}, nil
}

// Login implements userv1.UserServiceServer.
func (s *UserService) Login(ctx context.Context, req *userv1.LoginRequest) (*userv1.LoginReply, error) {
	id, err := s.uc.Login(ctx, req.GetUsername(), req.GetPassword())
	if err != nil {
		return nil, err
	}
	return &userv1.LoginReply{UserId: id}, nil
}

// GetUsers implements userv1.UserServiceServer.
func (s *UserService) GetUsers(ctx context.Context, req *userv1.GetUsersRequest) (*userv1.GetUsersReply, error) {
	users, err := s.uc.GetUsers(ctx, req.GetIds())
	if err != nil {
		return nil, err
	}
	reply := &userv1.GetUsersReply{Users: make([]*userv1.User, len(users))}
	for i, u := range users {
		reply.Users[i] = &userv1.User{
			Id:              u.ID,
			Name:            u.Name,
			Avatar:          u.Avatar,
			BackgroundImage: u.BackgroundImage,
			Signature:       u.Signature,
			FollowCount:     u.FollowCount,
			FollowerCount:   u.FollowerCount,
			TotalFavorited:  u.TotalFavorited,
			WorkCount:       u.WorkCount,
			FavoriteCount:   u.FavoriteCount,
		}
	}
	return reply, nil
}

// GetAccounts implements userv1.UserServiceServer.
func (s *UserService) GetAccounts(ctx context.Context, req *userv1.GetAccountsRequest) (*userv1.GetAccountsReply, error) {
	accounts, err := s.uc.GetAccounts(ctx, req.GetIds())
	if err != nil {
		return nil, err
	}
	reply := &userv1.GetAccountsReply{Accounts: make([]*userv1.Account, len(accounts))}
	for i, a := range accounts {
		reply.Accounts[i] = &userv1.Account{Id: a.ID, TokensValidSince: a.TokensValidSince(), Banned: a.Banned()}
	}
	return reply, nil
}

// Ban implements userv1.UserServiceServer.
func (s *UserService) Ban(ctx context.Context, req *userv1.BanRequest) (*userv1.BanReply, error) {
	changed, err := s.uc.SetBanned(ctx, req.GetUserId(), true, req.GetOperator())
	if err != nil {
		return nil, err
	}
	return &userv1.BanReply{Changed: changed}, nil
}

// Unban implements userv1.UserServiceServer.
func (s *UserService) Unban(ctx context.Context, req *userv1.UnbanRequest) (*userv1.UnbanReply, error) {
	changed, err := s.uc.SetBanned(ctx, req.GetUserId(), false, req.GetOperator())
	if err != nil {
		return nil, err
	}
	return &userv1.UnbanReply{Changed: changed}, nil
}
