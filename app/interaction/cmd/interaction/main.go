// Command interaction runs the interaction app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/interaction"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Listen addresses of this app when neither -conf nor the environment gives them.
const defaults = `
grpc_addr: 0.0.0.0:9003
admin_addr: 127.0.0.1:8003
`

func main() { bootstrap.Main(interaction.Name, defaults, interaction.New) }
