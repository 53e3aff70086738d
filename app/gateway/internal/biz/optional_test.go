package biz

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/go-kratos/kratos/v2/log"
)

// quiet is the logger of tests that do not look at the log.
var quiet = log.NewStdLogger(io.Discard)

// unreachable is an app that cannot be reached.
type unreachable struct{}

var errUnreachable = errors.New("connection refused")

func (unreachable) FollowedAmong(context.Context, int64, []int64) (map[int64]bool, error) {
	return nil, errUnreachable
}
func (unreachable) Favorite(context.Context, int64, int64, bool) error { return errUnreachable }
func (unreachable) ListFavorites(context.Context, int64) ([]int64, error) {
	return nil, errUnreachable
}
func (unreachable) FavoritedAmong(context.Context, int64, []int64) (map[int64]bool, error) {
	return nil, errUnreachable
}

// countingLogger counts the warnings written.
type countingLogger struct{ warnings []string }

func (l *countingLogger) Log(level log.Level, keyvals ...any) error {
	if level == log.LevelWarn {
		var b strings.Builder
		for _, kv := range keyvals {
			b.WriteString(" ")
			b.WriteString(strings.TrimSpace(strings.ReplaceAll(toString(kv), "\n", " ")))
		}
		l.warnings = append(l.warnings, b.String())
	}
	return nil
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	}
	return ""
}

func TestFeedWithoutRelationAndInteractionApps(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}, 2: {ID: 2, Name: "you"}}}
	videos := &fakeVideos{videos: []*Video{{ID: 2, AuthorID: 2, PublishedAt: 2}, {ID: 1, AuthorID: 1, PublishedAt: 1}}}
	logs := &countingLogger{}
	uc := NewVideoUsecase(videos, NewUserJoiner(users, unreachable{}, logs), unreachable{}, unthrottled, logs)

	for range 3 {
		page, err := uc.Feed(context.Background(), 1, "")
		if err != nil {
			t.Fatalf("feed failed with relation and interaction down: %v", err)
		}
		if len(page.Videos) != 2 {
			t.Fatalf("%d videos; want both", len(page.Videos))
		}
		for _, v := range page.Videos {
			if v.IsFavorite || v.Author == nil || v.Author.IsFollow || v.Author.Name == "unknown" {
				t.Fatalf("video %d: is_favorite %v, author %+v; want real authors, nothing favorited or followed", v.ID, v.IsFavorite, v.Author)
			}
		}
	}
	// One warning per lookup, not one per request: while an app is down, every request degrades.
	if len(logs.warnings) != 2 || !strings.Contains(strings.Join(logs.warnings, "|"), "is_follow") ||
		!strings.Contains(strings.Join(logs.warnings, "|"), "is_favorite") || !strings.Contains(logs.warnings[0], "connection refused") {
		t.Fatalf("warnings %q; want one about is_follow and one about is_favorite, with the cause", logs.warnings)
	}
}

func TestAuthorsAreNotOptional(t *testing.T) {
	videos := &fakeVideos{videos: []*Video{{ID: 1, AuthorID: 1, PublishedAt: 1}}}
	uc := NewVideoUsecase(videos, NewUserJoiner(failingUsers{}, fakeFollows{}, quiet), fakeFavorites{}, unthrottled, quiet)
	if _, err := uc.Feed(context.Background(), 1, ""); !errors.Is(err, errUnreachable) {
		t.Fatalf("feed without the user app: %v; want its error (a feed needs its authors)", err)
	}
}

func TestAnEndedRequestDoesNotDegrade(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewUserJoiner(users, unreachable{}, quiet).Join(ctx, 2, []int64{1})
	if err == nil {
		t.Fatal("a request whose caller left was answered as if nothing failed")
	}
}

// failingUsers is a user app that cannot be reached.
type failingUsers struct{ fakeUsers }

func (failingUsers) GetUsers(context.Context, []int64) ([]*User, error) { return nil, errUnreachable }
