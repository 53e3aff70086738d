package data

import (
	"context"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// RelationRepo implements biz.RelationRepo with the relation app's gRPC API.
type RelationRepo struct {
	client relationv1.RelationServiceClient
}

// NewRelationRepo dials the relation app.
func NewRelationRepo(services *confv1.Services, kafka *confv1.Kafka, dialer *rpc.Dialer) (*RelationRepo, func(), error) {
	// A follow waits for its counts (kafka.apply_wait), so it gets that much longer than a call.
	timeout := services.GetCallTimeout().AsDuration() + kafka.GetApplyWait().AsDuration()
	conn, closeConn, err := dialer.Dial(services.GetRelation(), timeout, rpc.Retry(relationv1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &RelationRepo{client: relationv1.NewRelationServiceClient(conn)}, closeConn, nil
}

// Follow implements biz.RelationRepo.
func (r *RelationRepo) Follow(ctx context.Context, userID, toUserID int64, follow bool) error {
	_, err := r.client.Follow(ctx, &relationv1.FollowRequest{UserId: userID, ToUserId: toUserID, Follow: follow})
	return err
}

// Following implements biz.RelationRepo.
func (r *RelationRepo) Following(ctx context.Context, userID int64) ([]int64, error) {
	reply, err := r.client.ListFollowing(ctx, &relationv1.ListRequest{UserId: userID})
	return reply.GetUserIds(), err
}

// Followers implements biz.RelationRepo.
func (r *RelationRepo) Followers(ctx context.Context, userID int64) ([]int64, error) {
	reply, err := r.client.ListFollowers(ctx, &relationv1.ListRequest{UserId: userID})
	return reply.GetUserIds(), err
}

// Friends implements biz.RelationRepo.
func (r *RelationRepo) Friends(ctx context.Context, userID int64) ([]int64, error) {
	reply, err := r.client.ListFriends(ctx, &relationv1.ListRequest{UserId: userID})
	return reply.GetUserIds(), err
}

// FollowedAmong implements biz.FollowRepo.
func (r *RelationRepo) FollowedAmong(ctx context.Context, viewerID int64, ids []int64) (map[int64]bool, error) {
	reply, err := r.client.FollowedAmong(ctx, &relationv1.FollowedAmongRequest{ViewerId: viewerID, UserIds: ids})
	if err != nil {
		return nil, err
	}
	followed := make(map[int64]bool, len(reply.GetFollowedIds()))
	for _, id := range reply.GetFollowedIds() {
		followed[id] = true
	}
	return followed, nil
}

// MessageRepo implements biz.MessageRepo with the message app's gRPC API.
type MessageRepo struct {
	client messagev1.MessageServiceClient
}

// NewMessageRepo dials the message app.
func NewMessageRepo(services *confv1.Services, dialer *rpc.Dialer) (*MessageRepo, func(), error) {
	conn, closeConn, err := dialer.Dial(services.GetMessage(), services.GetCallTimeout().AsDuration(), rpc.Retry(messagev1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &MessageRepo{client: messagev1.NewMessageServiceClient(conn)}, closeConn, nil
}

// Send implements biz.MessageRepo.
func (r *MessageRepo) Send(ctx context.Context, fromUserID, toUserID int64, content string) error {
	_, err := r.client.Send(ctx, &messagev1.SendRequest{FromUserId: fromUserID, ToUserId: toUserID, Content: content})
	return err
}

// Chat implements biz.MessageRepo.
func (r *MessageRepo) Chat(ctx context.Context, userID, peerID, afterMs int64) ([]*biz.Message, error) {
	reply, err := r.client.Chat(ctx, &messagev1.ChatRequest{UserId: userID, PeerId: peerID, AfterMs: afterMs})
	if err != nil {
		return nil, err
	}
	out := make([]*biz.Message, len(reply.GetMessages()))
	for i, m := range reply.GetMessages() {
		out[i] = messageFromProto(m)
	}
	return out, nil
}

// Latest implements biz.LatestMessages.
func (r *MessageRepo) Latest(ctx context.Context, userID int64, peerIDs []int64) (map[int64]*biz.Message, error) {
	reply, err := r.client.Latest(ctx, &messagev1.LatestRequest{UserId: userID, PeerIds: peerIDs})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*biz.Message, len(reply.GetMessages()))
	for _, m := range reply.GetMessages() {
		peer := m.GetToUserId()
		if peer == userID {
			peer = m.GetFromUserId()
		}
		out[peer] = messageFromProto(m)
	}
	return out, nil
}

func messageFromProto(m *messagev1.Message) *biz.Message {
	return &biz.Message{
		ID: m.GetId(), FromUserID: m.GetFromUserId(), ToUserID: m.GetToUserId(),
		Content: m.GetContent(), CreateTime: m.GetCreateTime(),
	}
}
