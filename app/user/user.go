// Package user is the user app: accounts, credentials and profiles, served over gRPC.
package user

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "user"

// New assembles the user app from its configuration.
func New(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) (*bootstrap.Component, func(), error) {
	return wireComponent(bc, log.With(logger, "app", Name), p)
}

// passwordHashing is the password hasher's cost, from the configuration.
func passwordHashing(bc *confv1.Bootstrap) *confv1.PasswordHashing {
	return bc.GetAuth().GetPasswordHashing()
}

func newComponent(gs *grpc.Server, counters *event.Consumer) *bootstrap.Component {
	return &bootstrap.Component{Name: Name, GRPC: gs, Workers: []transport.Server{counters}}
}
