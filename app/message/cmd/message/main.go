// Command message runs the message app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/message"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() { message.App.Main(discovery.New) }
