// Command interaction runs the interaction app alone, for the distributed deployment.
package main

import "github.com/douyin-kratos/douyin/app/interaction"

func main() { interaction.App.Main() }
