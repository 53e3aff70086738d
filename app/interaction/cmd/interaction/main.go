// Command interaction runs the interaction app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/interaction"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() { interaction.App.Main(discovery.New) }
