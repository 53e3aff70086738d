// Command allinone runs the whole Douyin backend in one process: `make run`.
package main

import (
	"github.com/douyin-kratos/douyin/app/allinone"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func main() { bootstrap.Main(allinone.Name, "", allinone.New) }
