package data

import (
	"context"
	"errors"
	"io"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// VideoDirectory implements biz.VideoDirectory with the video app's gRPC API.
type VideoDirectory struct {
	client videov1.VideoServiceClient
}

// NewVideoDirectory dials the video app.
func NewVideoDirectory(services *confv1.Services, dialer *rpc.Dialer) (*VideoDirectory, func(), error) {
	conn, closeConn, err := dialer.Dial(services.GetVideo(), services.GetCallTimeout().AsDuration(), rpc.Retry(videov1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &VideoDirectory{client: videov1.NewVideoServiceClient(conn)}, closeConn, nil
}

// Feed implements biz.VideoDirectory.
func (r *VideoDirectory) Feed(ctx context.Context, beforeMs int64, limit int) ([]*biz.Video, error) {
	reply, err := r.client.Feed(ctx, &videov1.FeedRequest{BeforeMs: beforeMs, Limit: int32(limit)})
	if err != nil {
		return nil, err
	}
	return fromProtos(reply.GetVideos()), nil
}

// ListByAuthor implements biz.VideoDirectory.
func (r *VideoDirectory) ListByAuthor(ctx context.Context, authorID int64) ([]*biz.Video, error) {
	reply, err := r.client.ListByAuthor(ctx, &videov1.ListByAuthorRequest{AuthorId: authorID})
	if err != nil {
		return nil, err
	}
	return fromProtos(reply.GetVideos()), nil
}

// GetVideos implements biz.VideoDirectory.
func (r *VideoDirectory) GetVideos(ctx context.Context, ids []int64) ([]*biz.Video, error) {
	reply, err := r.client.GetVideos(ctx, &videov1.GetVideosRequest{Ids: ids})
	if err != nil {
		return nil, err
	}
	return fromProtos(reply.GetVideos()), nil
}

// uploadChunk is the largest piece of a file sent in one message, well under gRPC's 4 MB.
const uploadChunk = 32 << 10

// NewUpload implements biz.VideoDirectory: it opens the publish stream the file is copied into.
func (r *VideoDirectory) NewUpload(ctx context.Context) (biz.VideoUpload, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := r.client.Publish(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	return &videoUpload{stream: stream, cancel: cancel}, nil
}

type videoUpload struct {
	stream videov1.VideoService_PublishClient
	cancel context.CancelFunc
}

// Write sends p in chunks. When the video app ends the stream early (the file is too large),
// Send reports io.EOF and the app's own error is what CloseAndRecv returns.
func (u *videoUpload) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), uploadChunk)
		err := u.stream.Send(&videov1.PublishRequest{Part: &videov1.PublishRequest_Chunk{Chunk: p[:n]}})
		if errors.Is(err, io.EOF) {
			_, err = u.stream.CloseAndRecv()
		}
		if err != nil {
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

func (u *videoUpload) Publish(authorID int64, title string) error {
	defer u.cancel()
	meta := &videov1.PublishRequest{Part: &videov1.PublishRequest_Meta{Meta: &videov1.PublishMeta{AuthorId: authorID, Title: title}}}
	if err := u.stream.Send(meta); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	_, err := u.stream.CloseAndRecv()
	return err
}

// abortWait bounds how long Abort waits for the video app to confirm the upload is gone.
const abortWait = 5 * time.Second

// Abort closes the stream without the metadata, which drops the upload: the video app deletes
// what it received before it answers, so the file is gone when Abort returns (unless the video
// app cannot be reached, in which case it drops the upload when it notices the stream broke).
func (u *videoUpload) Abort() {
	defer u.cancel()
	timer := time.AfterFunc(abortWait, u.cancel)
	defer timer.Stop()
	_, _ = u.stream.CloseAndRecv() // the refusal of an upload without metadata: what Abort asked for
}

func fromProtos(vs []*videov1.Video) []*biz.Video {
	out := make([]*biz.Video, len(vs))
	for i, v := range vs {
		out[i] = &biz.Video{
			ID: v.GetId(), AuthorID: v.GetAuthorId(), Title: v.GetTitle(),
			PlayURL: v.GetPlayUrl(), CoverURL: v.GetCoverUrl(), PublishedAt: v.GetPublishedAt(),
			FavoriteCount: v.GetFavoriteCount(), CommentCount: v.GetCommentCount(),
		}
	}
	return out
}

// DeleteVideo implements biz.VideoAdmin.
func (r *VideoDirectory) DeleteVideo(ctx context.Context, videoID int64, operator string) (int64, error) {
	reply, err := r.client.Delete(ctx, &videov1.DeleteRequest{VideoId: videoID, Operator: operator})
	if err != nil {
		return 0, err
	}
	return reply.GetAuthorId(), nil
}
