// Package message is the message app: chat between friends, served over gRPC. It publishes no
// events: no count depends on messages.
package message

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Name identifies the app in logs, discovery and file names.
const Name = "message"

// New assembles the message app from its configuration.
func New(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) (*bootstrap.Component, func(), error) {
	return wireComponent(bc, log.With(logger, "app", Name), p)
}

// settings are the message rules' settings, from the configuration.
func settings(bc *confv1.Bootstrap) biz.Settings {
	return biz.Settings{FriendsOnly: bc.GetMessage().GetFriendsOnly(), MaxListItems: int(bc.GetLists().GetMaxItems())}
}

func newComponent(gs *grpc.Server) *bootstrap.Component {
	return &bootstrap.Component{Name: Name, GRPC: gs}
}
