// Command relation runs the relation app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/relation"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Listen addresses of this app when neither -conf nor the environment gives them.
const defaults = `
grpc_addr: 0.0.0.0:9004
admin_addr: 127.0.0.1:8004
`

func main() { bootstrap.Main(relation.Name, defaults, relation.New) }
