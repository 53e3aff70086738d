// Command allinone runs the whole Douyin backend in one process: `make run`. `allinone admin
// ...` takes content and accounts down in a running one (see gateway.AdminCommand).
package main

import (
	"github.com/douyin-kratos/douyin/app/allinone"
	"github.com/douyin-kratos/douyin/app/gateway"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func main() {
	gateway.WithAdminCommand(allinone.Name, func() { bootstrap.Main(allinone.Name, "", nil, allinone.New) })
}
