// Command localcluster runs the distributed deployment on this machine until Ctrl-C: every app
// its own process on loopback, on deploy/config's ports (domain apps gRPC 9001..9005 and HTTP
// 8001..8005, Kafka 9092), against the MariaDB and Redis given by flags, with the Kafka and S3
// stand-ins and, given -jaeger, Jaeger. Every start is fresh: the apps' databases are dropped and
// created again and the Redis keys under -redis-prefix deleted. `make cluster` builds and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/douyin-kratos/douyin/deploy/localcluster"
)

func main() {
	var opts localcluster.Options
	flag.StringVar(&opts.GatewayAddr, "http", "127.0.0.1:8080", "address of the Douyin API (the gateway)")
	flag.StringVar(&opts.BinDir, "bin", "./bin", "directory holding the app binaries and the kafka and s3 stand-ins")
	flag.StringVar(&opts.JaegerBin, "jaeger", "", "Jaeger all-in-one binary (make jaeger); empty: no tracing")
	flag.StringVar(&opts.WorkDir, "work", "./data/localcluster", "directory for logs/ and the programs' data/")
	flag.StringVar(&opts.MySQLDSN, "mysql", "root:@tcp(127.0.0.1:3306)/", "MySQL/MariaDB DSN of a user that may create databases")
	flag.StringVar(&opts.DBPrefix, "db-prefix", "douyin_local_", "database name prefix: the user app's is <prefix>user")
	flag.StringVar(&opts.RedisAddr, "redis", "127.0.0.1:6379", "Redis address")
	flag.StringVar(&opts.RedisPrefix, "redis-prefix", "douyin_local:", "prefix of every Redis key the apps write")
	flag.IntVar(&opts.KafkaPort, "kafka-port", 9092, "port of the Kafka stand-in on 127.0.0.1")
	flag.Func("env", "a DOUYIN_* setting KEY=value for every app (repeatable)", func(kv string) error {
		if !strings.HasPrefix(kv, "DOUYIN_") || !strings.Contains(kv, "=") {
			return fmt.Errorf("want DOUYIN_KEY=value, got %q", kv)
		}
		opts.Env = append(opts.Env, kv)
		return nil
	})
	flag.Parse()
	opts.GRPCBasePort, opts.AdminBasePort = 9000, 8000
	opts.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "localcluster: %v\n", err)
		os.Exit(1)
	}
}

func run(opts localcluster.Options) error {
	work, err := filepath.Abs(opts.WorkDir)
	if err != nil {
		return err
	}
	// Last run's logs and data would mix with this run's; the databases are fresh too.
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	opts.WorkDir = work

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cluster, err := localcluster.Start(startCtx, opts)
	if err != nil {
		return err
	}
	fmt.Printf("\n%s\nRunning; Ctrl-C stops everything.\n", cluster.Summary())

	var crashed error
	select {
	case <-ctx.Done():
	case crashed = <-cluster.Crashed():
		fmt.Fprintf(os.Stderr, "localcluster: %v; the logs end:\n", crashed)
	}
	if crashed != nil {
		for _, name := range cluster.Names() {
			fmt.Fprintf(os.Stderr, "---- %s ----\n%s", name, cluster.LogTail(name, 20))
		}
	}
	fmt.Fprintln(os.Stderr, "localcluster: stopping")
	return errors.Join(crashed, cluster.Stop())
}
