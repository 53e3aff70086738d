// Package interaction is the interaction app: favorites and comments, served over gRPC, with the
// counts they change carried to the video and user apps as events.
package interaction

import (
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "interaction"

// App is the interaction app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: wireComponent, Listen: `
grpc_addr: 0.0.0.0:9003
admin_addr: 127.0.0.1:8003
`}

// settings are the interaction rules' settings, from the configuration.
func settings(bc *confv1.Bootstrap) biz.Settings {
	return biz.Settings{MaxListItems: int(bc.GetLists().GetMaxItems())}
}

func newComponent(gs *grpc.Server, relay *event.Relay, takedowns *event.Consumer) *bootstrap.Component {
	return &bootstrap.Component{Name: Name, GRPC: gs, Workers: []transport.Server{relay, takedowns}}
}
