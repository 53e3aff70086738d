// Command video runs the video app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/video"
	"github.com/douyin-kratos/douyin/pkg/discovery"
)

func main() { video.App.Main(discovery.New) }
