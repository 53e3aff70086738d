// Command user runs the user app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/user"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() { user.App.Main(discovery.New) }
