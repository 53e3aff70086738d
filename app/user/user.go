// Package user is the user app: accounts, credentials and profiles, served over gRPC.
package user

import (
	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "user"

// App is the user app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: wireComponent, Listen: bootstrap.DomainListen(9001, 8001)}

// workers are what the user app runs beside its gRPC API: the consumer applying the counts the
// other apps' events move.
func workers(counters *event.Consumer) bootstrap.Workers {
	return bootstrap.Workers{counters}
}

// passwordHashing is the password hasher's cost, from the configuration.
func passwordHashing(bc *confv1.Bootstrap) *confv1.PasswordHashing {
	return bc.GetAuth().GetPasswordHashing()
}
