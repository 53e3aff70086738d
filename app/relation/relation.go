// Package relation is the relation app: follows and friends, served over gRPC, with the counts
// they change carried to the user app as events.
package relation

import (
	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "relation"

// App is the relation app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: wireComponent, Listen: bootstrap.DomainListen(9004, 8004)}

// workers are what the relation app runs beside its gRPC API: the relay publishing its outbox.
func workers(relay *event.Relay) bootstrap.Workers {
	return bootstrap.Workers{relay}
}

// settings are the relation rules' settings, from the configuration.
func settings(bc *confv1.Bootstrap) biz.Settings {
	return biz.Settings{MaxListItems: int(bc.GetLists().GetMaxItems())}
}
