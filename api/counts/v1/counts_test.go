package countsv1_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
)

func TestTable(t *testing.T) {
	tests := []struct {
		ev         proto.Message
		topic, key string
		moves      []countsv1.Move
		keepers    []string
	}{
		{
			ev:    &interactionv1.FavoriteChanged{UserId: 1, VideoId: 2, AuthorId: 3, Delta: -1},
			topic: interactionv1.TopicFavorite, key: "2",
			moves: []countsv1.Move{
				{Entity: countsv1.Video, Counter: "favorite_count", ID: 2, By: -1},
				{Entity: countsv1.User, Counter: "favorite_count", ID: 1, By: -1},
				{Entity: countsv1.User, Counter: "total_favorited", ID: 3, By: -1},
			},
			keepers: []string{videov1.CounterConsumer, userv1.CounterConsumer},
		},
		{
			ev:    &interactionv1.CommentChanged{VideoId: 2, CommentId: 9, UserId: 1, Delta: 1},
			topic: interactionv1.TopicComment, key: "2",
			moves:   []countsv1.Move{{Entity: countsv1.Video, Counter: "comment_count", ID: 2, By: 1}},
			keepers: []string{videov1.CounterConsumer},
		},
		{
			ev:    &relationv1.FollowChanged{FollowerId: 4, FolloweeId: 5, Delta: 1},
			topic: relationv1.TopicFollow, key: "4",
			moves: []countsv1.Move{
				{Entity: countsv1.User, Counter: "follow_count", ID: 4, By: 1},
				{Entity: countsv1.User, Counter: "follower_count", ID: 5, By: 1},
			},
			keepers: []string{userv1.CounterConsumer},
		},
		{
			ev:    &videov1.VideoPublished{VideoId: 2, AuthorId: 3},
			topic: videov1.TopicPublished, key: "3",
			moves:   []countsv1.Move{{Entity: countsv1.User, Counter: "work_count", ID: 3, By: 1}},
			keepers: []string{userv1.CounterConsumer},
		},
		{
			ev:    &videov1.VideoDeleted{VideoId: 2, AuthorId: 3},
			topic: videov1.TopicPublished, key: "3",
			moves:   []countsv1.Move{{Entity: countsv1.User, Counter: "work_count", ID: 3, By: -1}},
			keepers: []string{userv1.CounterConsumer},
		},
		{
			ev:    &videov1.WorksCounted{AuthorId: 3, WorkCount: 7},
			topic: videov1.TopicPublished, key: "3",
			moves:   []countsv1.Move{{Entity: countsv1.User, Counter: "work_count", ID: 3, By: 7, Absolute: true}},
			keepers: []string{userv1.CounterConsumer},
		},
	}
	for _, tt := range tests {
		name := string(tt.ev.ProtoReflect().Descriptor().Name())
		if topic, key := countsv1.Route(tt.ev); topic != tt.topic || key != tt.key {
			t.Errorf("%s travels on %q keyed %q; want %q keyed %q", name, topic, key, tt.topic, tt.key)
		}
		if got := countsv1.Moves(tt.ev); !slices.Equal(got, tt.moves) {
			t.Errorf("%s moves %+v; want %+v", name, got, tt.moves)
		}
		if got := countsv1.Keepers(tt.ev); !slices.Equal(got, tt.keepers) {
			t.Errorf("%s is kept by %v; want %v", name, got, tt.keepers)
		}
		for _, entity := range []countsv1.Entity{countsv1.User, countsv1.Video} {
			var applied []countsv1.Move
			countsv1.Mover(entity)(tt.ev, func(id int64, counter string, by int64, absolute bool) {
				applied = append(applied, countsv1.Move{Entity: entity, Counter: counter, ID: id, By: by, Absolute: absolute})
			})
			var want []countsv1.Move
			for _, m := range tt.moves {
				if m.Entity == entity {
					want = append(want, m)
				}
			}
			if !slices.Equal(applied, want) {
				t.Errorf("%s applied to %s: %+v; want %+v", name, entity, applied, want)
			}
		}
	}
	if topic, key := countsv1.Route(&userv1.User{}); topic != "" || key != "" || countsv1.Moves(&userv1.User{}) != nil || countsv1.Keepers(&userv1.User{}) != nil {
		t.Error("a message that is not an event has a route, moves or keepers")
	}
}

// blockingAcks never sees an event applied; it records what it was asked.
type blockingAcks struct {
	eventID   string
	consumers []string
	deadline  time.Time
	started   time.Time
}

func (a *blockingAcks) Wait(ctx context.Context, eventID string, consumers ...string) bool {
	a.eventID, a.consumers, a.started = eventID, consumers, time.Now()
	a.deadline, _ = ctx.Deadline()
	<-ctx.Done()
	return false
}

func TestAwaitCountsWaitsForTheKeepersAtMostWait(t *testing.T) {
	const wait = 50 * time.Millisecond
	acks := &blockingAcks{}
	start := time.Now()
	countsv1.Awaiter{Acks: acks, Wait: wait}.AwaitCounts(context.Background(), "e1", &interactionv1.FavoriteChanged{})
	if took := time.Since(start); took < wait || took > wait+time.Second {
		t.Fatalf("AwaitCounts took %v with consumers that never apply; want ≈ %v", took, wait)
	}
	if acks.eventID != "e1" || !slices.Equal(acks.consumers, []string{videov1.CounterConsumer, userv1.CounterConsumer}) ||
		acks.deadline.IsZero() || acks.deadline.Sub(acks.started) > wait {
		t.Fatalf("waited for %q on %v until %v; want e1 on the video and user counters, within %v", acks.eventID, acks.consumers, acks.deadline, wait)
	}

	for _, c := range []struct {
		eventID string
		ev      proto.Message
	}{{"", &interactionv1.FavoriteChanged{}}, {"e2", &userv1.User{}}} {
		acks := &blockingAcks{}
		countsv1.Awaiter{Acks: acks, Wait: time.Hour}.AwaitCounts(context.Background(), c.eventID, c.ev)
		if acks.consumers != nil {
			t.Errorf("AwaitCounts(%q, %T) waited; want no wait without an event or counters", c.eventID, c.ev)
		}
	}
}

func TestDeltaCountsARealChangeOnly(t *testing.T) {
	for _, c := range []struct {
		was, want bool
		delta     int32
	}{{false, false, 0}, {true, true, 0}, {false, true, 1}, {true, false, -1}} {
		if got := countsv1.Delta(c.was, c.want); got != c.delta {
			t.Errorf("Delta(%v, %v) = %d; want %d", c.was, c.want, got, c.delta)
		}
	}
}
