// Command relation runs the relation app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/relation"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() { relation.App.Main(discovery.New) }
