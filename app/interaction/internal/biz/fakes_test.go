package biz

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// bootstrap is the configuration the use cases read: lists.max_items at its default (tests of
// the bound change it).
func settings() Settings { return Settings{MaxListItems: 1000} }

// awaiter waits for counts through acks, at most wait (kafka.apply_wait).
func awaiter(acks *eventtest.Acks, wait time.Duration) countsv1.Awaiter {
	return countsv1.Awaiter{Acks: acks, Wait: wait}
}

// fakeVideos is a VideoDirectory over a fixed map video → author.
type fakeVideos struct {
	mu      sync.Mutex
	authors map[int64]int64
	asked   []int64
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

// fakeFavorites is a FavoriteRepo in memory: it stores what decide says, and gives the event
// decide returns an id.
type fakeFavorites struct {
	mu                  sync.Mutex
	favorited           map[[2]int64]Favorite // (user, video) → the stored favorite
	order               map[[2]int64]int      // (user, video) → when it was favorited
	clock               int
	seq                 int
	sets                int
	favoritedAmongCalls int
	events              []string
	published           []*interactionv1.FavoriteChanged // the events, in order
	// err, when set, is returned by every call.
	err error
}

func newFakeFavorites() *fakeFavorites {
	return &fakeFavorites{favorited: map[[2]int64]Favorite{}, order: map[[2]int64]int{}}
}

func (r *fakeFavorites) Set(_ context.Context, f Favorite, decide func(bool) (bool, *interactionv1.FavoriteChanged)) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sets++
	if r.err != nil {
		return "", r.err
	}
	key := [2]int64{f.UserID, f.VideoID}
	_, had := r.favorited[key]
	favorite, ev := decide(had)
	switch {
	case favorite && !had:
		r.clock++
		r.favorited[key], r.order[key] = f, r.clock
	case !favorite && had:
		delete(r.favorited, key)
		delete(r.order, key)
	}
	if ev == nil {
		return "", nil
	}
	r.seq++
	id := fmt.Sprintf("fav-event-%d", r.seq)
	r.events = append(r.events, id)
	r.published = append(r.published, ev)
	return id, nil
}

func (r *fakeFavorites) ListVideos(_ context.Context, userID int64, limit int) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var keys [][2]int64
	for k := range r.favorited {
		if k[0] == userID {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return r.order[keys[i]] > r.order[keys[j]] })
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = k[1]
	}
	return out[:min(limit, len(out))], nil
}

func (r *fakeFavorites) FavoritedAmong(_ context.Context, userID int64, videoIDs []int64) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.favoritedAmongCalls++
	if r.err != nil {
		return nil, r.err
	}
	var out []int64
	for _, v := range videoIDs {
		if _, ok := r.favorited[[2]int64{userID, v}]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

func (r *fakeFavorites) stored(userID, videoID int64) (Favorite, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.favorited[[2]int64{userID, videoID}]
	return f, ok
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
