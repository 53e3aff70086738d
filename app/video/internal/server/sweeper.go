// Package server runs the video app's sweeper of crash leftovers beside its gRPC server (which
// is bootstrap.ServeGRPC, as in every domain app).
package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/google/wire"

	"github.com/douyin-kratos/douyin/app/video/internal/biz"
)

// ProviderSet provides the workers of this package.
var ProviderSet = wire.NewSet(NewSweeper)

var _ transport.Server = (*Sweeper)(nil)

// Sweeper removes what publishes that died with their process left behind (biz.SweepUploads,
// biz.SweepOrphans): once when the app starts, then periodically, so leftovers too young to be
// told from a live publish at start go on a later round.
type Sweeper struct {
	videos  *biz.VideoUsecase
	log     *log.Helper
	quit    chan struct{}
	stop    sync.Once
	started atomic.Bool
	done    chan struct{}
}

// NewSweeper returns the app's sweeper; it starts nothing until Start.
func NewSweeper(videos *biz.VideoUsecase, logger log.Logger) *Sweeper {
	return &Sweeper{videos: videos, log: log.NewHelper(logger), quit: make(chan struct{}), done: make(chan struct{})}
}

// Start sweeps until Stop.
func (s *Sweeper) Start(ctx context.Context) error {
	s.started.Store(true)
	defer close(s.done)
	// Stop also interrupts a sweep in progress.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	uploadsEvery, orphansEvery := s.videos.SweepEvery()
	uploads, orphans := time.NewTicker(uploadsEvery), time.NewTicker(orphansEvery)
	defer uploads.Stop()
	defer orphans.Stop()
	s.sweepUploads(ctx)
	s.sweepOrphans(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-uploads.C:
			s.sweepUploads(ctx)
		case <-orphans.C:
			s.sweepOrphans(ctx)
		}
	}
}

// Stop ends Start and waits for it, within ctx.
func (s *Sweeper) Stop(ctx context.Context) error {
	s.stop.Do(func() { close(s.quit) })
	if !s.started.Load() {
		return nil // a Start still to come sees quit closed and returns at once
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sweeper) sweepUploads(ctx context.Context) {
	n, err := s.videos.SweepUploads(ctx)
	s.report(ctx, "uploads left by publishes that did not finish", n, err)
}

func (s *Sweeper) sweepOrphans(ctx context.Context) {
	n, err := s.videos.SweepOrphans(ctx)
	s.report(ctx, "stored objects no video points at", n, err)
}

// report logs a sweep's outcome: this worker is the edge its errors reach.
func (s *Sweeper) report(ctx context.Context, what string, removed int, err error) {
	if err != nil && ctx.Err() == nil {
		s.log.Warnw("msg", "sweep failed; retrying on the next round", "what", what, "removed", removed, "error", err)
		return
	}
	if removed > 0 {
		s.log.Infow("msg", "swept", "what", what, "removed", removed)
	}
}
