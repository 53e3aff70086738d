// Command gateway runs the public Douyin API alone, for the distributed deployment. `gateway
// admin ...` takes content and accounts down through a running gateway's admin address (see
// gateway.AdminCommand).
package main

import (
	"github.com/douyin-kratos/douyin/app/gateway"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() { gateway.WithAdminCommand(gateway.Name, func() { gateway.App.Main(discovery.New) }) }
