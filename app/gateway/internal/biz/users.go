package biz

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// WorkCounter is the part of the video app that counts each author's videos.
type WorkCounter interface {
	CountWorks(ctx context.Context, authorIDs []int64) (map[int64]int64, error)
}

// UserJoiner builds user objects from the apps that own their parts: the profile and its
// counters from the user app, work_count from the video app. One call to each per response,
// however many users it shows.
type UserJoiner struct {
	users UserRepo
	works WorkCounter
}

// NewUserJoiner returns a UserJoiner.
func NewUserJoiner(users UserRepo, works WorkCounter) *UserJoiner {
	return &UserJoiner{users: users, works: works}
}

// Join returns the users among ids that exist, by id, as viewerID sees them.
func (j *UserJoiner) Join(ctx context.Context, viewerID int64, ids []int64) (map[int64]*User, error) {
	var (
		users  []*User
		counts map[int64]int64
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		users, err = j.users.GetUsers(gctx, ids)
		return err
	})
	g.Go(func() (err error) {
		counts, err = j.works.CountWorks(gctx, ids)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[int64]*User, len(users))
	for _, u := range users {
		u.WorkCount = counts[u.ID]
		out[u.ID] = u
	}
	return out, nil
}
