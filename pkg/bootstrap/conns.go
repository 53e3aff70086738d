package bootstrap

import (
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"golang.org/x/time/rate"

	"github.com/douyin-kratos/douyin/pkg/connlimit"
	"github.com/douyin-kratos/douyin/pkg/metrics"
)

// shedLogInterval is how often shed connections are summed up in the log: a flood of them
// must not become a flood of lines.
const shedLogInterval = 10 * time.Second

// ListenLimited binds addr for the server called name, whose connections are kept under limit
// (0 or less: as many as the raised open-files limit leaves room for, see connlimit). With
// refusing, newcomers are turned away at the cap; otherwise the connection waiting longest for
// a request makes room. Every shed connection is counted in douyin_refusals_total and, summed
// up now and then, logged. The returned function closes the listener if the server never took
// it over.
func ListenLimited(name, addr string, limit int32, refusing bool, logger log.Logger) (net.Listener, *connlimit.Limiter, func(), error) {
	if limit <= 0 {
		files, err := connlimit.RaiseOpenFiles()
		if err != nil {
			files = 0
		}
		limit = int32(connlimit.DefaultMax(files))
	}
	var shed atomic.Int64
	sometimes := &rate.Sometimes{Interval: shedLogInterval}
	helper := log.NewHelper(logger)
	onShed := func(reason string) {
		metrics.RecordRefusal(reason)
		shed.Add(1)
		sometimes.Do(func() {
			helper.Warnw("msg", "connections shed to stay under the cap", "server", name, "cap", limit,
				"shed", shed.Swap(0), "reason", reason)
		})
	}
	l := connlimit.New(int(limit), onShed)
	if refusing {
		l = connlimit.NewRefusing(int(limit), onShed)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: listen on %s: %w", name, addr, err)
	}
	return l.Listener(ln), l, func() { _ = ln.Close() }, nil
}
