package biz

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
)

func TestParseLatestTime(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_123)
	tests := map[string]int64{
		"":                  now.UnixMilli(),
		"0":                 now.UnixMilli(),
		"-5":                now.UnixMilli(),
		"abc":               now.UnixMilli(),
		"NaN":               now.UnixMilli(),
		"1e400":             now.UnixMilli(),
		"1680703713000":     1680703713000,     // ms, what the app sends
		" 1680703713000 ":   1680703713000,     // stray spaces
		"1680703713":        1680703713000,     // seconds, as the old documentation says
		"1.680703713e+12":   1680703713000,     // ms from a client that keeps numbers as doubles
		"1.680703713e+09":   1680703713000,     // seconds in the same notation
		"999999999999":      999999999999000,   // just below 10^12: seconds
		"1000000000000":     1000000000000,     // 10^12: milliseconds
		"1680703713000.75":  1680703713000,     // a fraction of a millisecond is dropped
		"99999999999999999": 99999999999999999, // far future: everything is before it
	}
	for in, want := range tests {
		if got := ParseLatestTime(in, now); got != want {
			t.Errorf("ParseLatestTime(%q) = %d; want %d", in, got, want)
		}
	}
}

type fakeVideos struct{ videos []*Video }

func (f *fakeVideos) Feed(_ context.Context, before int64, limit int) ([]*Video, error) {
	var out []*Video
	for _, v := range f.videos { // newest first
		if v.PublishedAt < before && len(out) < limit {
			c := *v
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeVideos) ListByAuthor(_ context.Context, author int64) ([]*Video, error) {
	var out []*Video
	for _, v := range f.videos {
		if v.AuthorID == author {
			c := *v
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeVideos) NewUpload(context.Context) (VideoUpload, error) {
	return nil, errors.New("unused")
}

func TestFeedCursorAndAuthors(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}, 2: {ID: 2, Name: "you"}}}
	const base = 1_700_000_000_000
	videos := &fakeVideos{}
	for i := 40; i >= 1; i-- {
		videos.videos = append(videos.videos, &Video{ID: int64(i), AuthorID: int64(i%3 + 1), PublishedAt: base + int64(i)})
	}
	users.users[1].WorkCount, users.users[2].WorkCount = 13, 14
	uc := NewVideoUsecase(videos, NewUserJoiner(users, fakeFollows{}, quiet), fakeFavorites{}, unthrottled, quiet)
	uc.now = func() time.Time { return time.UnixMilli(base + 5000) }
	ctx := context.Background()

	seen := map[int64]bool{}
	latest := ""
	for pageNo := 0; ; pageNo++ {
		page, err := uc.Feed(ctx, 1, latest)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Videos) == 0 {
			if page.NextTime != base+1 {
				t.Fatalf("empty page echoes next_time %d; want the latest_time given, %d", page.NextTime, base+1)
			}
			break
		}
		if len(page.Videos) > FeedPageSize {
			t.Fatalf("page %d has %d videos", pageNo, len(page.Videos))
		}
		for _, v := range page.Videos {
			if seen[v.ID] {
				t.Fatalf("video %d repeated", v.ID)
			}
			seen[v.ID] = true
			switch v.AuthorID {
			case 3: // no account: still an author object
				if v.Author == nil || v.Author.Name != "unknown" || v.Author.ID != 3 {
					t.Fatalf("missing author: %+v", v.Author)
				}
			default:
				if v.Author == nil || v.Author.ID != v.AuthorID || v.Author.WorkCount != 12+v.AuthorID {
					t.Fatalf("author of %d: %+v", v.ID, v.Author)
				}
			}
		}
		if page.NextTime != page.Videos[len(page.Videos)-1].PublishedAt {
			t.Fatalf("next_time %d is not the oldest video's time", page.NextTime)
		}
		latest = itoa(page.NextTime)
	}
	if len(seen) != 40 {
		t.Fatalf("saw %d of 40 videos", len(seen))
	}

	first, _ := uc.Feed(ctx, 0, "")
	if first.NextTime != base+40-FeedPageSize+1 {
		t.Fatalf("first page next_time %d", first.NextTime)
	}
}

func TestPublishList(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}, 2: {ID: 2, Name: "you"}}}
	videos := &fakeVideos{videos: []*Video{{ID: 2, AuthorID: 2}, {ID: 1, AuthorID: 1}}}
	uc := NewVideoUsecase(videos, NewUserJoiner(users, fakeFollows{}, quiet), fakeFavorites{}, unthrottled, quiet)
	ctx := context.Background()

	if vs, err := uc.PublishList(ctx, 1, 0); err != nil || len(vs) != 1 || vs[0].ID != 1 || vs[0].Author.Name != "me" {
		t.Fatalf("own list = %+v, %v", vs, err)
	}
	if vs, err := uc.PublishList(ctx, 0, 2); err != nil || len(vs) != 1 || vs[0].Author.Name != "you" {
		t.Fatalf("anonymous list of user 2 = %+v, %v", vs, err)
	}
	if _, err := uc.PublishList(ctx, 0, 0); !errors.Is(err, errAnonymousWithoutUser) {
		t.Fatalf("anonymous without user_id: %v", err)
	}
	// The reason the user and relation apps give for the same fact, so counts by reason add up.
	if kerrors.Reason(errUserNotFound) != "USER_NOT_FOUND" || kerrors.FromError(errUserNotFound).Code != 404 {
		t.Fatalf("errUserNotFound = %v; want 404 USER_NOT_FOUND", errUserNotFound)
	}
	if _, err := uc.PublishList(ctx, 1, 9); !errors.Is(err, errUserNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (f *fakeVideos) GetVideos(_ context.Context, ids []int64) ([]*Video, error) {
	var out []*Video
	for _, v := range f.videos {
		for _, id := range ids {
			if v.ID == id {
				c := *v
				out = append(out, &c)
			}
		}
	}
	return out, nil
}

// fakeFavorites keeps favorites as user -> video ids in the order they were made.
type fakeFavorites map[int64][]int64

func (f fakeFavorites) Favorite(_ context.Context, user, video int64, favorite bool) error {
	var list []int64
	for _, v := range f[user] {
		if v != video {
			list = append(list, v)
		}
	}
	if favorite {
		list = append(list, video)
	}
	f[user] = list
	return nil
}

func (f fakeFavorites) ListFavorites(_ context.Context, user int64) ([]int64, error) {
	list := f[user]
	out := make([]int64, len(list))
	for i, v := range list {
		out[len(list)-1-i] = v
	}
	return out, nil
}

func (f fakeFavorites) FavoritedAmong(_ context.Context, user int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, v := range f[user] {
		out[v] = true
	}
	return out, nil
}

func TestFavorites(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}, 2: {ID: 2, Name: "you"}}}
	videos := &fakeVideos{videos: []*Video{{ID: 3, AuthorID: 2}, {ID: 2, AuthorID: 2}, {ID: 1, AuthorID: 1}}}
	favorites := fakeFavorites{}
	uc := NewVideoUsecase(videos, NewUserJoiner(users, fakeFollows{}, quiet), favorites, unthrottled, quiet)
	ctx := context.Background()

	for _, tt := range []struct {
		video  int64
		action int32
		err    bool
	}{{1, 1, false}, {3, 1, false}, {2, 1, false}, {2, 2, false}, {2, 2, false}, {0, 1, true}, {1, 3, true}, {1, 0, true}} {
		if err := uc.FavoriteAction(ctx, 1, tt.video, tt.action); (err != nil) != tt.err {
			t.Fatalf("FavoriteAction(video %d, action %d) = %v", tt.video, tt.action, err)
		}
	}
	list, err := uc.FavoriteList(ctx, 0, 1) // anonymous viewer looks at user 1's favorites
	if err != nil || len(list) != 2 || list[0].ID != 3 || list[1].ID != 1 || list[0].IsFavorite {
		t.Fatalf("FavoriteList = %+v, %v; want 3 then 1, not favorited by an anonymous viewer", list, err)
	}
	mine, _ := uc.FavoriteList(ctx, 1, 0)
	if len(mine) != 2 || !mine[0].IsFavorite || mine[0].Author.Name != "you" {
		t.Fatalf("own list = %+v", mine)
	}
	page, _ := uc.Feed(ctx, 1, "")
	for _, v := range page.Videos {
		if v.IsFavorite != (v.ID == 1 || v.ID == 3) {
			t.Fatalf("video %d is_favorite %v", v.ID, v.IsFavorite)
		}
	}
	if _, err := uc.FavoriteList(ctx, 1, 9); !errors.Is(err, errUserNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}
