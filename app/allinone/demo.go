package allinone

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

//go:embed demo/*.mp4
var demoClips embed.FS

// DemoUsername is the account the sample clips are published under.
const DemoUsername = "douyin-demo"

// demoSeeder publishes the sample clips when the all-in-one starts with an empty feed, so a
// newcomer's app shows something at once. It goes through the apps' gRPC APIs like any upload,
// runs once, and never stops the process: a failure is logged and the system runs without it.
type demoSeeder struct {
	bc     *confv1.Bootstrap
	dialer *rpc.Dialer
	log    *log.Helper
	cancel context.CancelFunc
}

// Start implements transport.Server; it returns when the seeding is done.
func (d *demoSeeder) Start(ctx context.Context) error {
	ctx, d.cancel = context.WithCancel(ctx)
	if err := d.seed(ctx); err != nil && ctx.Err() == nil {
		d.log.Warnw("msg", "demo videos were not seeded", "error", err)
	}
	return nil
}

// Stop implements transport.Server.
func (d *demoSeeder) Stop(context.Context) error {
	if d.cancel != nil {
		d.cancel()
	}
	return nil
}

func (d *demoSeeder) seed(ctx context.Context) error {
	timeout := 30 * time.Second
	userConn, closeUser, err := d.dialer.Dial(d.bc.GetServices().GetUser(), timeout)
	if err != nil {
		return err
	}
	defer closeUser()
	videoConn, closeVideo, err := d.dialer.Dial(d.bc.GetServices().GetVideo(), timeout)
	if err != nil {
		return err
	}
	defer closeVideo()
	users, videos := userv1.NewUserServiceClient(userConn), videov1.NewVideoServiceClient(videoConn)

	feed, err := videos.Feed(ctx, &videov1.FeedRequest{Limit: 1})
	if err != nil {
		return err
	}
	if len(feed.GetVideos()) > 0 {
		return nil // not a first start
	}
	authorID, err := d.demoAccount(ctx, users)
	if err != nil {
		return err
	}
	clips, err := fs.Glob(demoClips, "demo/*.mp4")
	if err != nil {
		return err
	}
	for _, clip := range clips {
		if err := publishClip(ctx, videos, authorID, clip); err != nil {
			return fmt.Errorf("publish %s: %w", clip, err)
		}
	}
	d.log.Infow("msg", "seeded demo videos", "count", len(clips), "author", DemoUsername)
	return nil
}

// demoAccount registers the demo author, or logs in if an earlier start got that far. Its
// password is derived from the install's token secret: nobody needs it, and it is not a
// constant anyone could read in the repository.
func (d *demoSeeder) demoAccount(ctx context.Context, users userv1.UserServiceClient) (int64, error) {
	mac := hmac.New(sha256.New, []byte(d.bc.GetAuth().GetTokenSecret()))
	mac.Write([]byte("demo account password"))
	password := hex.EncodeToString(mac.Sum(nil))[:32]
	reg, err := users.Register(ctx, &userv1.RegisterRequest{Username: DemoUsername, Password: password})
	if err == nil {
		return reg.GetUserId(), nil
	}
	if !apierror.Is(err, userv1.ErrorReason_USERNAME_TAKEN) {
		return 0, err
	}
	login, err := users.Login(ctx, &userv1.LoginRequest{Username: DemoUsername, Password: password})
	if err != nil {
		return 0, err
	}
	return login.GetUserId(), nil
}

func publishClip(ctx context.Context, videos videov1.VideoServiceClient, authorID int64, clip string) error {
	data, err := demoClips.ReadFile(clip)
	if err != nil {
		return err
	}
	stream, err := videos.Publish(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&videov1.PublishRequest{Part: &videov1.PublishRequest_Chunk{Chunk: data}}); err != nil {
		return err
	}
	// "01-test-pattern.mp4" is titled "Test pattern".
	title := strings.ReplaceAll(strings.TrimSuffix(path.Base(clip), ".mp4")[3:], "-", " ")
	title = strings.ToUpper(title[:1]) + title[1:]
	meta := &videov1.PublishMeta{AuthorId: authorID, Title: title}
	if err := stream.Send(&videov1.PublishRequest{Part: &videov1.PublishRequest_Meta{Meta: meta}}); err != nil {
		return err
	}
	_, err = stream.CloseAndRecv()
	return err
}
