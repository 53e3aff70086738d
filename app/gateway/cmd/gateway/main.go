// Command gateway runs the public Douyin API alone, for the distributed deployment. `gateway
// admin ...` takes content and accounts down through a running gateway's admin address (see
// gateway.AdminCommand).
package main

import (
	"os"

	"github.com/douyin-kratos/douyin/app/gateway"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "admin" {
		os.Exit(gateway.AdminCommand(gateway.Name, os.Args[2:]))
	}
	gateway.App.Main(discovery.New)
}
