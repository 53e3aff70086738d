// Command relation runs the relation app alone, for the distributed deployment.
package main

import "github.com/douyin-kratos/douyin/app/relation"

func main() { relation.App.Main() }
