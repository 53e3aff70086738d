// Command allinone runs the whole Douyin backend in one process: `make run`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/douyin-kratos/douyin/app/allinone"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/config"
)

func main() {
	confPath := flag.String("conf", "", "YAML config file (optional; DOUYIN_* variables override it)")
	flag.Parse()
	if err := run(*confPath); err != nil {
		fmt.Fprintln(os.Stderr, "allinone:", err)
		os.Exit(1)
	}
}

func run(confPath string) error {
	bc, err := config.Load(confPath)
	if err != nil {
		return err
	}
	logger, flushLog := bootstrap.NewLogger(allinone.Name, bc.GetLog().GetLevel())
	defer flushLog()
	flush, err := bootstrap.SetupTracing(bc, allinone.Name)
	if err != nil {
		return err
	}
	defer flush()
	p, closeProcess, err := bootstrap.NewProcess(bc, logger)
	if err != nil {
		return err
	}
	defer closeProcess()
	components, cleanup, err := allinone.New(bc, logger, p)
	if err != nil {
		return err
	}
	defer cleanup()
	return bootstrap.Run(allinone.Name, logger, p, components...)
}
