package biz

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"golang.org/x/time/rate"
)

// optional is a lookup whose answer only decorates a response: whether the viewer follows the
// users shown (relation app) or favorited the videos shown (interaction app). When it fails, the
// response goes out without it, as if the viewer followed and favorited nothing, rather than not at
// all: a feed with every heart grey beats no feed while one app is down.
type optional struct {
	// what the response lacks, for the log.
	what string
	log  *log.Helper
	// warned limits the warnings to one per interval: while an app is down every request
	// degrades, and the first warning says all the rest would.
	warned *rate.Sometimes
}

func newOptional(what string, logger log.Logger) optional {
	return optional{what: what, log: log.NewHelper(logger), warned: &rate.Sometimes{Interval: 10 * time.Second}}
}

// settle returns nil in place of the lookup's failure err, unless the request itself has ended
// (ctx is the request's context): then nobody awaits the answer and err stands.
func (o optional) settle(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	if degraded, ok := ctx.Value(degradedKey{}).(*atomic.Bool); ok {
		degraded.Store(true)
	}
	// This is the failure's edge: it goes no further, so it is logged here.
	o.warned.Do(func() {
		o.log.WithContext(ctx).Warnw("msg", "answering without "+o.what, "error", err)
	})
	return nil
}

type degradedKey struct{}

// NoteDegraded returns a context in which a use case notes an answer it gave without an
// optional part, and the function that tells whether it did: such an answer is for this
// request only, not one to keep for others.
func NoteDegraded(ctx context.Context) (context.Context, func() bool) {
	degraded := new(atomic.Bool)
	return context.WithValue(ctx, degradedKey{}, degraded), degraded.Load
}
