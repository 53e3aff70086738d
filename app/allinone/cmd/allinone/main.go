// Command allinone runs the whole Douyin backend in one process: `make run`. `allinone admin
// ...` takes content and accounts down in a running one (see gateway.AdminCommand).
package main

import (
	"os"

	"github.com/douyin-kratos/douyin/app/allinone"
	"github.com/douyin-kratos/douyin/app/gateway"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "admin" {
		os.Exit(gateway.AdminCommand(allinone.Name, os.Args[2:]))
	}
	bootstrap.Main(allinone.Name, "", nil, allinone.New)
}
