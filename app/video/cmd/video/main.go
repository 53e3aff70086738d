// Command video runs the video app alone, for the distributed deployment.
package main

import (
	"github.com/douyin-kratos/douyin/app/video"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Listen addresses of this app when neither -conf nor the environment gives them.
const defaults = `
grpc_addr: 0.0.0.0:9002
admin_addr: 127.0.0.1:8002
`

func main() { bootstrap.Main(video.Name, defaults, video.New) }
