// Package service implements the message app's gRPC API by mapping its messages to the use case.
package service

import (
	"context"

	"github.com/google/wire"
	"google.golang.org/grpc"

	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewMessageService, wire.Bind(new(bootstrap.GRPCService), new(*MessageService)))

// MessageService implements messagev1.MessageServiceServer.
type MessageService struct {
	messagev1.UnimplementedMessageServiceServer
	messages *biz.MessageUsecase
}

// NewMessageService returns a MessageService.
func NewMessageService(messages *biz.MessageUsecase) *MessageService {
	return &MessageService{messages: messages}
}

// RegisterOn implements bootstrap.GRPCService.
func (s *MessageService) RegisterOn(srv grpc.ServiceRegistrar) {
	messagev1.RegisterMessageServiceServer(srv, s)
}

// Send implements messagev1.MessageServiceServer.
func (s *MessageService) Send(ctx context.Context, req *messagev1.SendRequest) (*messagev1.SendReply, error) {
	m, err := s.messages.Send(ctx, req.GetFromUserId(), req.GetToUserId(), req.GetContent())
	if err != nil {
		return nil, err
	}
	return &messagev1.SendReply{Message: messageProto(m)}, nil
}

// Chat implements messagev1.MessageServiceServer.
func (s *MessageService) Chat(ctx context.Context, req *messagev1.ChatRequest) (*messagev1.ChatReply, error) {
	list, err := s.messages.Chat(ctx, req.GetUserId(), req.GetPeerId(), req.GetAfterMs())
	if err != nil {
		return nil, err
	}
	return &messagev1.ChatReply{Messages: messageProtos(list)}, nil
}

// Latest implements messagev1.MessageServiceServer.
func (s *MessageService) Latest(ctx context.Context, req *messagev1.LatestRequest) (*messagev1.LatestReply, error) {
	list, err := s.messages.Latest(ctx, req.GetUserId(), req.GetPeerIds())
	if err != nil {
		return nil, err
	}
	return &messagev1.LatestReply{Messages: messageProtos(list)}, nil
}

func messageProto(m *biz.Message) *messagev1.Message {
	return &messagev1.Message{Id: m.ID, FromUserId: m.FromUserID, ToUserId: m.ToUserID, Content: m.Content, CreateTime: m.CreateTime}
}

func messageProtos(list []*biz.Message) []*messagev1.Message {
	out := make([]*messagev1.Message, len(list))
	for i, m := range list {
		out[i] = messageProto(m)
	}
	return out
}
