// Command user runs the user app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/user"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Listen addresses of this app when neither -conf nor the environment gives them.
const defaults = `
grpc_addr: 0.0.0.0:9001
admin_addr: 127.0.0.1:8001
`

func main() { bootstrap.Main(user.Name, defaults, user.New) }
