// Command s3 is an S3 server keeping objects on disk (pkg/objectstore's embedded gofakes3, as the
// all-in-one runs it) as a process of its own: the stand-in for MinIO in deploy/localcluster.
// It checks no credentials (any access and secret key do) and listens on -addr, by default a
// loopback port it picks itself; it prints its endpoint on a line starting with
// localcluster.S3EndpointPrefix, which is how the harness finds it. SIGINT or SIGTERM stops it
// after the requests in flight.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/douyin-kratos/douyin/deploy/localcluster"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

func main() {
	dir := flag.String("dir", "./data/s3", "directory the objects are kept in")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: one the kernel picks); it checks no credentials, so keep it on loopback")
	flag.Parse()
	if err := run(*dir, *addr); err != nil {
		fmt.Fprintf(os.Stderr, "s3: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, addr string) error {
	// It binds its listener before it returns, so the endpoint printed is taken.
	store, err := objectstore.NewEmbeddedOn(dir, addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- store.Start(context.Background()) }()
	fmt.Printf("%s%s\n", localcluster.S3EndpointPrefix, store.Endpoint())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = store.Stop(stopCtx)
	if serveErr := <-served; err == nil {
		err = serveErr
	}
	return err
}
