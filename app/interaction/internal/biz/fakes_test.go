package biz

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/pkg/edges/edgestest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
	"github.com/douyin-kratos/douyin/pkg/moderation/moderationtest"
)

// bootstrap is the configuration the use cases read: lists.max_items at its default (tests of
// the bound change it).
func settings() Settings { return Settings{MaxListItems: 1000} }

// testBlocklist are the words no comment of the tests' use cases may contain.
var testBlocklist = moderationtest.Words{"spam", "垃圾"}

// awaiter waits for counts through acks, at most wait (kafka.apply_wait).
func awaiter(acks *eventtest.Acks, wait time.Duration) countsv1.Awaiter {
	return countsv1.Awaiter{Acks: acks, Wait: wait}
}

// fakeVideos is a VideoDirectory over a fixed map video → author; the videos in takenDown were
// taken down (Author may still know them, as a replica's memory does).
type fakeVideos struct {
	mu        sync.Mutex
	authors   map[int64]int64
	asked     []int64
	takenDown map[int64]bool
}

func (v *fakeVideos) TakenDown(_ context.Context, videoID int64) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.takenDown[videoID], nil
}

func newFakeVideos(authors map[int64]int64) *fakeVideos { return &fakeVideos{authors: authors} }

func (v *fakeVideos) Author(_ context.Context, videoID int64) (int64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.asked = append(v.asked, videoID)
	author, ok := v.authors[videoID]
	if !ok {
		return 0, ErrVideoNotFound
	}
	return author, nil
}

func (v *fakeVideos) calls() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.asked)
}

// fakeFavorites is a FavoriteRepo in memory: a favorite is the edge user → video, stored with
// its author.
type fakeFavorites struct {
	*edgestest.Memory[Favorite, *interactionv1.FavoriteChanged]
}

func newFakeFavorites() *fakeFavorites {
	return &fakeFavorites{edgestest.NewMemory[Favorite, *interactionv1.FavoriteChanged]()}
}

// put stores f directly, as if favorited earlier.
func (r *fakeFavorites) put(f Favorite) { r.Put(edgestest.Edge{Owner: f.UserID, Member: f.VideoID}, f) }

func (r *fakeFavorites) Set(_ context.Context, f Favorite, decide func(bool) (bool, *interactionv1.FavoriteChanged)) (string, error) {
	return r.Memory.Set(edgestest.Edge{Owner: f.UserID, Member: f.VideoID}, f, decide)
}

func (r *fakeFavorites) ListVideos(_ context.Context, userID int64, limit int) ([]int64, error) {
	return r.Newest(userID, limit)
}

func (r *fakeFavorites) FavoritedAmong(_ context.Context, userID int64, videoIDs []int64) ([]int64, error) {
	return r.Among(userID, videoIDs)
}

// fakeComments is a CommentRepo in memory: it stores comments and gives the events announce
// builds an id, as the outbox does.
type fakeComments struct {
	mu       sync.Mutex
	byID     map[int64]*Comment
	nextID   int64
	clock    int64
	seq      int
	creates  int
	deletes  int
	lists    int
	vanished map[int64]bool // ids whose Delete finds them already gone (a concurrent delete won)
	// announced are the events of the changes, in order; events their ids.
	announced []*interactionv1.CommentChanged
	events    []string
}

func newFakeComments() *fakeComments {
	return &fakeComments{byID: map[int64]*Comment{}, vanished: map[int64]bool{}}
}

// announce stores the event announce builds from c, if any, and returns its id, or "".
func (r *fakeComments) announce(c *Comment, announce func(*Comment) *interactionv1.CommentChanged) string {
	ev := announce(c)
	if ev == nil {
		return ""
	}
	r.seq++
	id := fmt.Sprintf("comment-event-%d", r.seq)
	r.announced = append(r.announced, ev)
	r.events = append(r.events, id)
	return id
}

// put stores a comment directly, as if posted earlier.
func (r *fakeComments) put(c Comment) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cc := c
	r.byID[c.ID] = &cc
	if c.ID >= r.nextID {
		r.nextID = c.ID
	}
}

func (r *fakeComments) Create(_ context.Context, c *Comment, announce func(*Comment) *interactionv1.CommentChanged) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.creates++
	r.nextID++
	r.clock++
	stored := *c
	stored.ID, stored.CreatedAt = r.nextID, 1_700_000_000_000+r.clock
	r.byID[stored.ID] = &stored
	asStored := stored // announce gets the stored comment, with its id, as the repository's does
	id := r.announce(&asStored, announce)
	c.ID, c.CreatedAt = stored.ID, stored.CreatedAt
	return id, nil
}

func (r *fakeComments) Get(_ context.Context, id int64) (*Comment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.byID[id]
	if !ok {
		return nil, ErrCommentNotFound
	}
	cc := *c
	return &cc, nil
}

func (r *fakeComments) Delete(_ context.Context, c *Comment, announce func(*Comment) *interactionv1.CommentChanged) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deletes++
	if r.vanished[c.ID] {
		delete(r.byID, c.ID)
		return "", nil
	}
	if _, ok := r.byID[c.ID]; !ok {
		return "", nil
	}
	delete(r.byID, c.ID)
	return r.announce(c, announce), nil
}

func (r *fakeComments) ListByVideo(_ context.Context, videoID int64, limit int) ([]*Comment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lists++
	var out []*Comment
	for _, c := range r.byID {
		if c.VideoID == videoID {
			cc := *c
			out = append(out, &cc)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CreatedAt != out[j].CreatedAt {
			return out[i].CreatedAt > out[j].CreatedAt
		}
		return out[i].ID > out[j].ID
	})
	return out[:min(limit, len(out))], nil
}

func (r *fakeComments) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

func reasonOf(r interactionv1.ErrorReason) *interactionv1.ErrorReason { return &r }

// newTestCommentUsecase is NewCommentUsecase with its log discarded.
func newTestCommentUsecase(s Settings, repo CommentRepo, videos VideoDirectory, counts countsv1.Awaiter) *CommentUsecase {
	return NewCommentUsecase(s, repo, videos, counts, testBlocklist, log.NewStdLogger(io.Discard))
}
