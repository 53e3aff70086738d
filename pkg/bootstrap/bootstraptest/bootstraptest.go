// Package bootstraptest assembles an app in its own tests as its main does, and talks to it over
// gRPC as the other apps would.
package bootstraptest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// New assembles app on bc as App.Main does: the process first, then the component, its log
// discarded. Both are closed when the test ends; nothing is started.
func New(t testing.TB, app bootstrap.App, bc *confv1.Bootstrap) *bootstrap.Component {
	t.Helper()
	process, closeProcess, err := bootstrap.NewProcess(bc, log.DefaultLogger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeProcess)
	comp, cleanup, err := app.New(bc, log.NewStdLogger(io.Discard), process)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	return comp
}

// ServeGRPC starts comp's gRPC server until the test ends and returns a connection to it.
func ServeGRPC(t testing.TB, comp *bootstrap.Component) *grpc.ClientConn {
	t.Helper()
	addr, err := comp.GRPCAddr()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = comp.GRPC.Start(context.Background()) }()
	t.Cleanup(func() { _ = comp.GRPC.Stop(context.Background()) })
	conn, closeConn, err := rpc.NewDialer(&confv1.Bootstrap{}, nil).Dial(addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeConn)
	return conn
}
