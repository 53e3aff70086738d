// Package message is the message app: chat between friends, served over gRPC. It publishes no
// events: no count depends on messages.
package message

import (
	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Name identifies the app in logs, discovery and file names.
const Name = "message"

// App is the message app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: wireComponent, Listen: bootstrap.DomainListen(9005, 8005)}

// workers: none, the message app publishes and consumes no events.
func workers() bootstrap.Workers { return nil }

// settings are the message rules' settings, from the configuration.
func settings(bc *confv1.Bootstrap) biz.Settings {
	return biz.Settings{FriendsOnly: bc.GetMessage().GetFriendsOnly(), MaxListItems: int(bc.GetLists().GetMaxItems())}
}
