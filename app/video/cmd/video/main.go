// Command video runs the video app alone, for the distributed deployment.
package main

import "github.com/douyin-kratos/douyin/app/video"

func main() { video.App.Main() }
