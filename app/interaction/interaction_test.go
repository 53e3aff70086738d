package interaction

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"github.com/segmentio/kafka-go"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap/bootstraptest"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/rpc/rpctest"
)

// videos is a video app whose videos can be taken down.
type videos struct {
	videov1.UnimplementedVideoServiceServer
	mu      sync.Mutex
	authors map[int64]int64
}

func (v *videos) GetVideos(_ context.Context, req *videov1.GetVideosRequest) (*videov1.GetVideosReply, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	reply := &videov1.GetVideosReply{}
	for _, id := range req.GetIds() {
		if author, ok := v.authors[id]; ok {
			reply.Videos = append(reply.Videos, &videov1.Video{Id: id, AuthorId: author})
		}
	}
	return reply, nil
}

func (v *videos) delete(id int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.authors, id)
}

// The assembled app consumes the video app's take-downs: a deleted video's favorites go, each
// announced as its liker's unfavorite, and so do its comments; everything else stays.
func TestTakedownThroughKafka(t *testing.T) {
	ctx := context.Background()
	broker, err := event.NewEmbeddedBrokerOn(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	const doomed, kept, author = int64(10), int64(11), int64(7)
	fake := &videos{authors: map[int64]int64{doomed: author, kept: author}}
	videoAddr, _ := rpctest.Serve(t, func(srv *ggrpc.Server) { videov1.RegisterVideoServiceServer(srv, fake) })

	bc := &confv1.Bootstrap{
		GrpcAddr: "127.0.0.1:0",
		DataDir:  t.TempDir(),
		Database: &confv1.Database{Driver: "sqlite"},
		Services: &confv1.Services{Video: videoAddr, CallTimeout: durationpb.New(3 * time.Second)},
		// Nothing keeps the counts here: an action waits this long for counts that never come.
		Kafka: &confv1.Kafka{Brokers: broker.Brokers()[0], ApplyWait: durationpb.New(10 * time.Millisecond)},
		Lists: &confv1.Lists{MaxItems: 1000},
	}
	comp := bootstraptest.New(t, App, bc)
	if len(comp.Workers) != 2 {
		t.Fatalf("%d workers; want the relay and the take-down consumer", len(comp.Workers))
	}
	consumer, ok := comp.Workers[1].(*event.Consumer)
	if !ok || consumer.Name() != interactionv1.TakedownConsumer {
		t.Fatalf("worker %T; want the consumer %q", comp.Workers[1], interactionv1.TakedownConsumer)
	}
	for _, w := range comp.Workers {
		go func() { _ = w.Start(ctx) }()
		t.Cleanup(func() { _ = w.Stop(ctx) })
	}
	client := interactionv1.NewInteractionServiceClient(bootstraptest.ServeGRPC(t, comp))

	for _, like := range []struct{ user, video int64 }{{1, doomed}, {2, doomed}, {1, kept}} {
		if reply, err := client.Favorite(ctx, &interactionv1.FavoriteRequest{UserId: like.user, VideoId: like.video, Favorite: true}); err != nil || !reply.GetChanged() {
			t.Fatalf("Favorite(%d, %d) = %v, %v", like.user, like.video, reply, err)
		}
	}
	post := func(video int64) int64 {
		t.Helper()
		reply, err := client.PostComment(ctx, &interactionv1.PostCommentRequest{UserId: 2, VideoId: video, Content: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		return reply.GetComment().GetId()
	}
	onDoomed, onKept, removed := post(doomed), post(kept), post(kept)

	// An operator removes someone's comment.
	if reply, err := client.RemoveComment(ctx, &interactionv1.RemoveCommentRequest{CommentId: removed, Operator: "alice"}); err != nil || reply.GetVideoId() != kept {
		t.Fatalf("RemoveComment = %v, %v; want the comment of video %d removed", reply, err, kept)
	}
	notFound := func(what string, err error) {
		t.Helper()
		if e := kerrors.FromError(err); e.Reason != interactionv1.ErrorReason_COMMENT_NOT_FOUND.String() || e.Code != 404 {
			t.Fatalf("%s: %v; want COMMENT_NOT_FOUND", what, err)
		}
	}
	_, err = client.RemoveComment(ctx, &interactionv1.RemoveCommentRequest{CommentId: removed, Operator: "alice"})
	notFound("RemoveComment twice", err)

	// The video app takes the video down: its row goes, and its VideoDeleted comes after the
	// author's other events on the author's key.
	fake.delete(doomed)
	w := &kafka.Writer{Addr: kafka.TCP(broker.Brokers()...), Balancer: &kafka.Hash{}, BatchTimeout: 2 * time.Millisecond}
	t.Cleanup(func() { w.Close() })
	publish := func(id string, ev proto.Message) kafka.Message {
		payload, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return kafka.Message{Topic: videov1.TopicPublished, Key: []byte(strconv.FormatInt(author, 10)), Value: payload,
			Headers: []kafka.Header{{Key: event.HeaderEventID, Value: []byte(id)},
				{Key: event.HeaderType, Value: []byte(ev.ProtoReflect().Descriptor().FullName())}}}
	}
	if err := w.WriteMessages(ctx,
		publish("published-kept", &videov1.VideoPublished{EventId: "published-kept", VideoId: kept, AuthorId: author}),
		publish("deleted-doomed", &videov1.VideoDeleted{EventId: "deleted-doomed", VideoId: doomed, AuthorId: author}),
		publish("deleted-doomed", &videov1.VideoDeleted{EventId: "deleted-doomed", VideoId: doomed, AuthorId: author}), // delivered twice
	); err != nil {
		t.Fatal(err)
	}

	// The likers' favorites of the video go; the other video's stay.
	deadline := time.Now().Add(20 * time.Second)
	for {
		one, err1 := client.ListFavorites(ctx, &interactionv1.ListFavoritesRequest{UserId: 1})
		two, err2 := client.ListFavorites(ctx, &interactionv1.ListFavoritesRequest{UserId: 2})
		if err1 == nil && err2 == nil && slices.Equal(one.GetVideoIds(), []int64{kept}) && len(two.GetVideoIds()) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("favorites of 1 and 2 = %v (%v), %v (%v); want [%d] and none", one.GetVideoIds(), err1, two.GetVideoIds(), err2, kept)
		}
		time.Sleep(20 * time.Millisecond)
	}
	among, err := client.IsFavorite(ctx, &interactionv1.IsFavoriteRequest{UserId: 1, VideoIds: []int64{doomed, kept}})
	if err != nil || !slices.Equal(among.GetFavoritedVideoIds(), []int64{kept}) {
		t.Fatalf("IsFavorite after the take-down = %v, %v; want [%d]", among.GetFavoritedVideoIds(), err, kept)
	}
	// Its comments went with it; the other video's stay.
	_, err = client.RemoveComment(ctx, &interactionv1.RemoveCommentRequest{CommentId: onDoomed, Operator: "alice"})
	notFound("RemoveComment of a taken-down video's comment", err)
	list, err := client.ListComments(ctx, &interactionv1.ListCommentsRequest{VideoId: kept})
	if err != nil || len(list.GetComments()) != 1 || list.GetComments()[0].GetId() != onKept {
		t.Fatalf("ListComments(%d) = %v, %v; want comment %d", kept, list.GetComments(), err, onKept)
	}
	// The video is no longer taken for existing.
	_, err = client.Favorite(ctx, &interactionv1.FavoriteRequest{UserId: 3, VideoId: doomed, Favorite: true})
	if e := kerrors.FromError(err); e.Reason != interactionv1.ErrorReason_VIDEO_NOT_FOUND.String() {
		t.Fatalf("Favorite of the taken-down video: %v; want VIDEO_NOT_FOUND", err)
	}

	// The relay published one unfavorite per liker, once, after the likes.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: broker.Brokers(), GroupID: "test-" + t.Name(), Topic: interactionv1.TopicFavorite,
		StartOffset: kafka.FirstOffset, MaxWait: 50 * time.Millisecond})
	t.Cleanup(func() { r.Close() })
	var unfavorites []int64
	likes := 0
	readCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for likes < 3 || len(unfavorites) < 2 {
		m, err := r.ReadMessage(readCtx)
		if err != nil {
			t.Fatalf("read %d likes and unfavorites %v: %v; want 3 likes and the unfavorites of users 1 and 2", likes, unfavorites, err)
		}
		var ev interactionv1.FavoriteChanged
		if err := proto.Unmarshal(m.Value, &ev); err != nil {
			t.Fatal(err)
		}
		switch ev.GetDelta() {
		case 1:
			likes++
		case -1:
			if ev.GetVideoId() != doomed || ev.GetAuthorId() != author || string(m.Key) != strconv.FormatInt(doomed, 10) {
				t.Fatalf("unfavorite %v keyed %q; want one of video %d by author %d, keyed by the video", &ev, m.Key, doomed, author)
			}
			unfavorites = append(unfavorites, ev.GetUserId())
		}
	}
	slices.Sort(unfavorites)
	if !slices.Equal(unfavorites, []int64{1, 2}) {
		t.Fatalf("unfavorites of users %v; want 1 and 2, once each", unfavorites)
	}
	// Nothing more comes: the take-down delivered twice was applied once.
	quiet, cancelQuiet := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelQuiet()
	if m, err := r.ReadMessage(quiet); err == nil {
		t.Fatalf("another favorite event after the take-down: %s", m.Value)
	}
}
