// Command message runs the message app alone, for the distributed deployment.
package main

import "github.com/douyin-kratos/douyin/app/message"

func main() { message.App.Main() }
