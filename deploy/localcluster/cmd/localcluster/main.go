// Command localcluster runs the distributed deployment on this machine until Ctrl-C: every app
// its own process on loopback (-replicas of each, the gateway included, behind a round-robin
// front on -http), on deploy/config's ports (domain apps gRPC 9001..9005 and HTTP 8001..8005,
// the next replicas 10 and 20 ... higher, Kafka 9092), against the MariaDB and Redis given by flags, with the Kafka and S3
// stand-ins and, given -jaeger, Jaeger. Every start is fresh: the apps' databases are dropped and
// created again and the Redis keys under -redis-prefix deleted. `make cluster` builds and runs it.
//
// A program that exits on its own (a crash, a kill by hand) is named with the end of its log and
// how to start it again, and the others keep running: typing "restart <name>" starts it again
// under the cluster, with the same settings and ports (an app's name: all its replicas).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
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
	flag.IntVar(&opts.Replicas, "replicas", 1, fmt.Sprintf("processes of each app, the gateway included (1 to %d)", localcluster.MaxReplicas))
	flag.StringVar(&opts.BinDir, "bin", "./bin", "directory holding the app binaries and the kafka and s3 stand-ins")
	flag.StringVar(&opts.JaegerBin, "jaeger", "", "Jaeger all-in-one binary (make jaeger); empty: no tracing")
	flag.StringVar(&opts.WorkDir, "work", "./data/localcluster", "directory for logs/ and the programs' data/")
	flag.StringVar(&opts.MySQLDSN, "mysql", "root:@tcp(127.0.0.1:3306)/", "MySQL/MariaDB DSN of a user that may create databases")
	flag.StringVar(&opts.DBPrefix, "db-prefix", "douyin_local_", "database name prefix: the user app's is <prefix>user")
	flag.StringVar(&opts.RedisAddr, "redis", "127.0.0.1:6379", "Redis address")
	flag.StringVar(&opts.RedisPrefix, "redis-prefix", "douyin_local:", "prefix of every Redis key the apps write")
	flag.IntVar(&opts.KafkaPort, "kafka-port", 9092, "port of the Kafka stand-in on 127.0.0.1")
	flag.IntVar(&opts.S3Port, "s3-port", 9000, "port of the S3 stand-in on 127.0.0.1")
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
	fmt.Printf("\n%s\nRunning; Ctrl-C stops everything. Type \"restart <name>\" to start a program again.\n", cluster.Summary())

	commands := make(chan string)
	go readCommands(os.Stdin, commands)
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "localcluster: stopping")
			return cluster.Stop()
		case crashed := <-cluster.Crashed():
			reportCrash(cluster, crashed)
		case line := <-commands:
			command(ctx, cluster, line)
		}
	}
}

// reportCrash names the program that exited, shows the end of its log and says how to start it
// again; the rest of the cluster keeps running.
func reportCrash(cluster *localcluster.Cluster, crashed *localcluster.Crash) {
	name := crashed.Name
	fmt.Fprintf(os.Stderr, "\nlocalcluster: %v; the others keep running. The end of %s:\n%s",
		crashed, cluster.LogPath(name), indent(cluster.LogTail(name, 15)))
	fmt.Fprintf(os.Stderr, "localcluster: to start %s again under the cluster, type here:\n    restart %s\n"+
		"or run it by hand (then Ctrl-C here does not stop it):\n    %s\n\n", name, name, cluster.CommandLine(name))
}

// command runs one line typed on standard input: "restart <name>".
func command(ctx context.Context, cluster *localcluster.Cluster, line string) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return
	}
	if len(fields) != 2 || fields[0] != "restart" {
		fmt.Fprintf(os.Stderr, "localcluster: %q: the one command is \"restart <name>\", name one of %s\n", line, strings.Join(cluster.Names(), ", "))
		return
	}
	name := fields[1]
	if err := cluster.StartAgain(name); err != nil {
		fmt.Fprintf(os.Stderr, "localcluster: restart %s: %v\n", name, err)
		return
	}
	go func() {
		readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := cluster.WaitReady(readyCtx, name); err != nil {
			fmt.Fprintf(os.Stderr, "localcluster: %v\n", err)
			return
		}
		fmt.Fprintf(os.Stderr, "localcluster: %s is ready again\n", name)
	}()
}

// readCommands sends each line of r; at its end (no terminal, as under a test) it stops.
func readCommands(r io.Reader, lines chan<- string) {
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		lines <- scanner.Text()
	}
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}
