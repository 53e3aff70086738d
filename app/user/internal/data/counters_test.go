package data

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/event"
)

func TestCounters(t *testing.T) {
	databasetest.ForEach(t, runCounters, databasetest.OnSQLite, databasetest.OnMySQLRedis)
}

// runCounters applies events as the consumer does, one transaction and one AfterCommit per
// batch, and reads the counts back through the (cached) repository.
func runCounters(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	data := databasetest.OpenData(t, bc, NewData)
	repo := NewUserRepo(data, bc.GetRedis())
	fan, err := repo.Create(ctx, "fan", "h")
	if err != nil {
		t.Fatal(err)
	}
	author, err := repo.Create(ctx, "author", "h")
	if err != nil {
		t.Fatal(err)
	}

	apply := func(events ...proto.Message) {
		t.Helper()
		var msgs []event.Message
		for i, e := range events {
			payload, err := proto.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, event.Message{
				EventID: string(rune('a' + i)), Type: string(e.ProtoReflect().Descriptor().FullName()), Payload: payload,
			})
		}
		err := data.DB.Transaction(func(tx *gorm.DB) error {
			batch := applyCount.NewBatch()
			for _, m := range msgs {
				if err := batch.Apply(ctx, tx, m); err != nil {
					return err
				}
			}
			return batch.Flush(ctx, tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		var changed []int64
		for _, m := range msgs {
			e, _ := m.Decode()
			changed = append(changed, usersChangedBy(e)...)
		}
		repo.Forget(ctx, changed)
	}
	type counts struct{ favorites, favorited, works, follows, followers int64 }
	check := func(step string, wantFan, wantAuthor counts) {
		t.Helper()
		// Twice: the first read may come from the database and fill the cache, the second
		// then comes from the cache, which must carry every count too.
		for read := range 2 {
			users, err := repo.GetUsers(ctx, []int64{fan, author})
			if err != nil || len(users) != 2 {
				t.Fatalf("%s: GetUsers = %v, %v", step, users, err)
			}
			for _, u := range users {
				got, want := counts{u.FavoriteCount, u.TotalFavorited, u.WorkCount, u.FollowCount, u.FollowerCount}, wantFan
				if u.ID == author {
					want = wantAuthor
				}
				if got != want {
					t.Fatalf("%s, read %d: user %d has (favorites, favorited, works, follows, followers) %v; want %v",
						step, read+1, u.ID, got, want)
				}
			}
		}
	}

	check("before any event", counts{}, counts{})
	apply(&videov1.WorksCounted{AuthorId: author, WorkCount: 3})
	check("works counted", counts{}, counts{works: 3})
	apply(&videov1.VideoPublished{AuthorId: author, VideoId: 10}, &videov1.VideoPublished{AuthorId: author, VideoId: 11})
	check("two publishes", counts{}, counts{works: 5})
	apply(&interactionv1.FavoriteChanged{UserId: fan, AuthorId: author, VideoId: 10, Delta: 1},
		&interactionv1.FavoriteChanged{UserId: fan, AuthorId: author, VideoId: 11, Delta: 1},
		&interactionv1.FavoriteChanged{UserId: fan, AuthorId: author, VideoId: 10, Delta: -1})
	check("like, like, unlike", counts{favorites: 1}, counts{favorited: 1, works: 5})

	// A follow moves the follower's follow_count and the followee's follower_count, both
	// cached: each must be dropped from the cache once applied.
	apply(&relationv1.FollowChanged{FollowerId: fan, FolloweeId: author, Delta: 1})
	check("fan follows author", counts{favorites: 1, follows: 1}, counts{favorited: 1, works: 5, followers: 1})
	apply(&relationv1.FollowChanged{FollowerId: author, FolloweeId: fan, Delta: 1},
		&interactionv1.FavoriteChanged{UserId: author, AuthorId: fan, VideoId: 12, Delta: 1})
	check("author follows back, in a batch with a like",
		counts{favorites: 1, favorited: 1, follows: 1, followers: 1}, counts{favorites: 1, favorited: 1, works: 5, follows: 1, followers: 1})
	apply(&relationv1.FollowChanged{FollowerId: fan, FolloweeId: author, Delta: -1},
		&relationv1.FollowChanged{FollowerId: fan, FolloweeId: author, Delta: 1},
		&relationv1.FollowChanged{FollowerId: fan, FolloweeId: author, Delta: -1})
	check("fan unfollows, follows, unfollows",
		counts{favorites: 1, favorited: 1, followers: 1}, counts{favorites: 1, favorited: 1, works: 5, follows: 1})

	// A count stated anew and a publish after it, in one batch: the publish adds to the count.
	apply(&videov1.WorksCounted{AuthorId: author, WorkCount: 7}, &videov1.VideoPublished{AuthorId: author, VideoId: 13})
	check("works counted again, then a publish",
		counts{favorites: 1, favorited: 1, followers: 1}, counts{favorites: 1, favorited: 1, works: 8, follows: 1})

	// An event this consumer does not know is skipped, not retried forever.
	err = applyCount.NewBatch().Apply(ctx, data.DB, event.Message{EventID: "x", Type: "douyin.video.v1.Unknown", Payload: []byte{1}})
	if !errors.Is(err, event.ErrSkip) {
		t.Fatalf("unknown event type: %v; want ErrSkip", err)
	}
}
