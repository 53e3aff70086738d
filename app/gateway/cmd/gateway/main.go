// Command gateway runs the public Douyin API alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/gateway"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func main() { bootstrap.Main(gateway.Name, "", gateway.New) }
