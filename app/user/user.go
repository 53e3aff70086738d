// Package user is the user app: accounts, credentials and profiles, served over gRPC.
package user

import (
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "user"

// App is the user app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: wireComponent, Listen: `
grpc_addr: 0.0.0.0:9001
admin_addr: 127.0.0.1:8001
`}

// passwordHashing is the password hasher's cost, from the configuration.
func passwordHashing(bc *confv1.Bootstrap) *confv1.PasswordHashing {
	return bc.GetAuth().GetPasswordHashing()
}

func newComponent(gs *grpc.Server, counters *event.Consumer) *bootstrap.Component {
	return &bootstrap.Component{Name: Name, GRPC: gs, Workers: []transport.Server{counters}}
}
