package video

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap/bootstraptest"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// The assembled app takes a published video down over gRPC: it leaves every read, its objects
// leave the store, and a second delete is VIDEO_NOT_FOUND.
func TestDeleteOverGRPC(t *testing.T) {
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required to publish the video this test deletes, and is not in PATH: install ffmpeg", tool)
		}
	}
	ctx := context.Background()
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("make a clip: %v: %s", err, out)
	}
	s3, err := objectstore.NewEmbedded(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s3.Start(ctx) }()
	t.Cleanup(func() { _ = s3.Stop(ctx) })
	storage := &confv1.Storage{Endpoint: s3.Endpoint(), Bucket: "douyin", AccessKey: "k", SecretKey: "s"}

	bc := &confv1.Bootstrap{
		GrpcAddr: "127.0.0.1:0",
		DataDir:  dir,
		Database: &confv1.Database{Driver: "sqlite"},
		Storage:  storage,
		Video:    &confv1.Video{Ffmpeg: "ffmpeg", Ffprobe: "ffprobe"},
		// Nothing keeps the counts here: an action waits this long for counts that never come.
		Kafka: &confv1.Kafka{InProcess: true, ApplyWait: durationpb.New(10 * time.Millisecond)},
		Lists: &confv1.Lists{MaxItems: 1000},
	}
	client := videov1.NewVideoServiceClient(bootstraptest.ServeGRPC(t, bootstraptest.New(t, App, bc)))

	b, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := client.Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&videov1.PublishRequest{Part: &videov1.PublishRequest_Chunk{Chunk: b}}); err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&videov1.PublishRequest{Part: &videov1.PublishRequest_Meta{Meta: &videov1.PublishMeta{AuthorId: 7, Title: "doomed"}}}); err != nil {
		t.Fatal(err)
	}
	published, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	v := published.GetVideo()
	store, err := objectstore.Open(ctx, storage)
	if err != nil {
		t.Fatal(err)
	}
	objects := func() int {
		t.Helper()
		n := 0
		for _, prefix := range []string{"videos/", "covers/"} {
			for _, err := range store.List(ctx, prefix) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		return n
	}
	if n := objects(); n != 2 {
		t.Fatalf("%d objects after publishing; want the video and its cover", n)
	}
	if feed, err := client.Feed(ctx, &videov1.FeedRequest{}); err != nil || len(feed.GetVideos()) != 1 {
		t.Fatalf("Feed = %v, %v; want the video", feed.GetVideos(), err)
	}

	reply, err := client.Delete(ctx, &videov1.DeleteRequest{VideoId: v.GetId(), Operator: "alice"})
	if err != nil || reply.GetAuthorId() != 7 {
		t.Fatalf("Delete = %v, %v; want the video of author 7 deleted", reply, err)
	}
	if n := objects(); n != 0 {
		t.Fatalf("%d objects left after the delete; want none", n)
	}
	if feed, err := client.Feed(ctx, &videov1.FeedRequest{}); err != nil || len(feed.GetVideos()) != 0 {
		t.Fatalf("Feed after the delete = %v, %v; want none", feed.GetVideos(), err)
	}
	if list, err := client.ListByAuthor(ctx, &videov1.ListByAuthorRequest{AuthorId: 7}); err != nil || len(list.GetVideos()) != 0 {
		t.Fatalf("ListByAuthor after the delete = %v, %v; want none", list.GetVideos(), err)
	}
	if got, err := client.GetVideos(ctx, &videov1.GetVideosRequest{Ids: []int64{v.GetId()}}); err != nil || len(got.GetVideos()) != 0 {
		t.Fatalf("GetVideos after the delete = %v, %v; want none", got.GetVideos(), err)
	}

	for _, req := range []*videov1.DeleteRequest{{VideoId: v.GetId(), Operator: "alice"}, {VideoId: 404, Operator: "alice"}} {
		_, err := client.Delete(ctx, req)
		if e := kerrors.FromError(err); e.Reason != videov1.ErrorReason_VIDEO_NOT_FOUND.String() || e.Code != 404 || e.Message != "video not found" {
			t.Fatalf("Delete(%d) error %v; want VIDEO_NOT_FOUND 404 \"video not found\"", req.GetVideoId(), err)
		}
	}
}
