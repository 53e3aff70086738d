// Package countsv1 is where every count comes from. For each event an app publishes it says on
// which topic and under which key the event travels, and which counter of which entity it moves
// by how much. The user and video apps' consumers apply this table and nothing else, and an
// action waits for the consumers that keep the counters its event moves, so the user who acted
// sees them in the next request.
//
// The path of a like: the interaction app stores it and, in the same transaction, a
// FavoriteChanged in its outbox (app/interaction/internal/biz decides both); the relay
// publishes it on the topic below; the video app's consumer (video-counters) moves the video's
// favorite_count, the user app's (user-counters) the liker's favorite_count and the author's
// total_favorited, each exactly once (pkg/event).
//
// A take-down undoes what a video moved: VideoDeleted takes one from its author's work_count,
// and the interaction app's consumer (interactionv1.TakedownConsumer) removes its favorites,
// each with the FavoriteChanged of an unlike, so the likers' favorite_count and the author's
// total_favorited drop as for an unlike.
package countsv1

import (
	"context"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
)

// Entity is a kind of thing with counters; one app's consumer keeps them.
type Entity string

// The entities with counters, and the consumer group that keeps each.
const (
	User  Entity = "user"  // the users table of the user app: userv1.CounterConsumer
	Video Entity = "video" // the videos table of the video app: videov1.CounterConsumer
)

// Move is one counter an event moves: Counter of the Entity with id ID changes by By, or, when
// Absolute, becomes By.
type Move struct {
	Entity   Entity
	Counter  string // the column
	ID       int64
	By       int64
	Absolute bool
}

// Route is the table's first half: the topic an event travels on and its key. Events with one
// key stay on one partition, in the order they were committed, so a consumer never applies an
// unlike before its like. It returns "", "" for a message that is not an event.
func Route(ev proto.Message) (topic, key string) {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	switch e := ev.(type) {
	case *interactionv1.FavoriteChanged:
		return interactionv1.TopicFavorite, id(e.GetVideoId())
	case *interactionv1.CommentChanged:
		return interactionv1.TopicComment, id(e.GetVideoId())
	case *relationv1.FollowChanged:
		return relationv1.TopicFollow, id(e.GetFollowerId())
	case *videov1.VideoPublished:
		return videov1.TopicPublished, id(e.GetAuthorId())
	case *videov1.WorksCounted:
		return videov1.TopicPublished, id(e.GetAuthorId())
	case *videov1.VideoDeleted:
		// With the author's VideoPublished: the take-down never overtakes the publish it undoes.
		return videov1.TopicPublished, id(e.GetAuthorId())
	}
	return "", ""
}

// Moves is the table's second half: the counters ev moves, nil for none. Events are published
// only for real changes (a second like publishes nothing) and applied once each, so the counts
// never go below zero.
func Moves(ev proto.Message) []Move {
	switch e := ev.(type) {
	case *interactionv1.FavoriteChanged:
		by := int64(e.GetDelta())
		return []Move{
			{Entity: Video, Counter: "favorite_count", ID: e.GetVideoId(), By: by},
			{Entity: User, Counter: "favorite_count", ID: e.GetUserId(), By: by},
			{Entity: User, Counter: "total_favorited", ID: e.GetAuthorId(), By: by},
		}
	case *interactionv1.CommentChanged:
		return []Move{
			{Entity: Video, Counter: "comment_count", ID: e.GetVideoId(), By: int64(e.GetDelta())},
		}
	case *relationv1.FollowChanged:
		by := int64(e.GetDelta())
		return []Move{
			{Entity: User, Counter: "follow_count", ID: e.GetFollowerId(), By: by},
			{Entity: User, Counter: "follower_count", ID: e.GetFolloweeId(), By: by},
		}
	case *videov1.VideoPublished:
		return []Move{
			{Entity: User, Counter: "work_count", ID: e.GetAuthorId(), By: 1},
		}
	case *videov1.VideoDeleted:
		// The video's own counters go with its row. The favorites it had are taken back by the
		// interaction app, which removes them as unfavorites (FavoriteChanged, -1 each, above);
		// its comments move only its comment_count, which went with the row.
		return []Move{
			{Entity: User, Counter: "work_count", ID: e.GetAuthorId(), By: -1},
		}
	case *videov1.WorksCounted:
		// The count of a store made before VideoPublished existed, stated once per author. It
		// comes before any VideoPublished of the author (same key, enqueued first), so the
		// increments that follow add to it.
		return []Move{
			{Entity: User, Counter: "work_count", ID: e.GetAuthorId(), By: e.GetWorkCount(), Absolute: true},
		}
	}
	return nil
}

// Delta is how far setting a counted fact (a favorite, a follow) from was to want moves its
// counters: 0 when it already is as wanted, so however often it is set the fact counts once;
// one up or one down for a real change. Its event is published only when Delta is not 0.
func Delta(was, want bool) int32 {
	switch {
	case was == want:
		return 0
	case want:
		return 1
	}
	return -1
}

// MovesOf returns the counters of entity that ev moves.
func MovesOf(entity Entity, ev proto.Message) []Move {
	var out []Move
	for _, m := range Moves(ev) {
		if m.Entity == entity {
			out = append(out, m)
		}
	}
	return out
}

// Keepers returns the consumer groups that keep the counters ev moves, in the table's order:
// those an action waits for before it answers.
func Keepers(ev proto.Message) []string {
	var out []string
	seen := map[Entity]bool{}
	for _, m := range Moves(ev) {
		if !seen[m.Entity] {
			seen[m.Entity] = true
			out = append(out, keeper[m.Entity])
		}
	}
	return out
}

var keeper = map[Entity]string{User: userv1.CounterConsumer, Video: videov1.CounterConsumer}

// Mover returns how the consumer keeping entity's counters moves them (event.Counts): for an
// event, move is called once for each counter of entity it moves.
func Mover(entity Entity) func(ev proto.Message, move func(id int64, counter string, by int64, absolute bool)) {
	return func(ev proto.Message, move func(id int64, counter string, by int64, absolute bool)) {
		for _, m := range MovesOf(entity, ev) {
			move(m.ID, m.Counter, m.By, m.Absolute)
		}
	}
}

// Acks tells when consumers have applied an event (event.Acks is one).
type Acks interface {
	// Wait blocks until every consumer applied eventID, or ctx ends; it reports which.
	Wait(ctx context.Context, eventID string, consumers ...string) bool
}

// Awaiter is how an action lets the user who acted see the counts it moved in their next
// request: it waits for the consumers that keep them, but at most Wait (kafka.apply_wait, read
// where the app is assembled). Past the wait the change stands and the counts follow.
type Awaiter struct {
	Acks Acks
	Wait time.Duration
}

// AwaitCounts waits until the counters that ev moves include the event eventID, or Wait has
// passed. ev is the event, or any message of its type. It returns at once for no event ("").
func (a Awaiter) AwaitCounts(ctx context.Context, eventID string, ev proto.Message) {
	keepers := Keepers(ev)
	if eventID == "" || len(keepers) == 0 || a.Acks == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, a.Wait)
	defer cancel()
	a.Acks.Wait(ctx, eventID, keepers...)
}
