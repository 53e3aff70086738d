// Package interaction is the interaction app: favorites and comments, served over gRPC, with the
// counts they change carried to the video and user apps as events.
package interaction

import (
	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "interaction"

// App is the interaction app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: wireComponent, Listen: bootstrap.DomainListen(9003, 8003)}

// workers are what the interaction app runs beside its gRPC API: the relay publishing its
// outbox and the consumer of take-downs.
func workers(relay *event.Relay, takedowns *event.Consumer) bootstrap.Workers {
	return bootstrap.Workers{relay, takedowns}
}

// settings are the interaction rules' settings, from the configuration.
func settings(bc *confv1.Bootstrap) biz.Settings {
	return biz.Settings{MaxListItems: int(bc.GetLists().GetMaxItems())}
}
