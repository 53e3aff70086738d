// Command message runs the message app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/message"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Listen addresses of this app when neither -conf nor the environment gives them.
const defaults = `
grpc_addr: 0.0.0.0:9005
admin_addr: 127.0.0.1:8005
`

func main() { bootstrap.Main(message.Name, defaults, message.New) }
