// Command gateway runs the public Douyin API alone, for the distributed deployment.
package main

import "github.com/douyin-kratos/douyin/app/gateway"

func main() { gateway.App.Main() }
