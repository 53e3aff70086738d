// Package service implements the video app's gRPC API by mapping its messages to the use cases.
package service

import (
	"context"
	"errors"
	"io"
	"runtime"

	"github.com/google/wire"
	"google.golang.org/grpc"

	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewVideoService, wire.Bind(new(bootstrap.GRPCService), new(*VideoService)))

// VideoService implements videov1.VideoServiceServer.
type VideoService struct {
	videov1.UnimplementedVideoServiceServer
	uc *biz.VideoUsecase
}

// NewVideoService returns a VideoService.
func NewVideoService(uc *biz.VideoUsecase) *VideoService {
	return &VideoService{uc: uc}
}

// RegisterOn implements bootstrap.GRPCService.
func (s *VideoService) RegisterOn(srv grpc.ServiceRegistrar) {
	videov1.RegisterVideoServiceServer(srv, s)
}

// collectEvery is how many received bytes may become garbage before Publish asks for a
// collection. Protobuf copies every chunk it decodes, so an upload makes garbage as fast as the
// network delivers; left to the GC's pacing (GOGC 400 here) an upload would grow the process by
// about its size. A collection is cheap with our small live heap.
const collectEvery = 8 << 20

// Publish implements videov1.VideoServiceServer: chunks spool to disk as they arrive, and the
// video is published once the client closes its side with the metadata sent. A client that
// closes without the metadata drops the upload: the file is removed before the reply goes out,
// so the client knows it is gone when the reply arrives.
func (s *VideoService) Publish(stream videov1.VideoService_PublishServer) error {
	up, err := s.uc.NewUpload()
	if err != nil {
		return err
	}
	defer up.Discard()
	var meta *videov1.PublishMeta
	sinceCollect := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err // the client gave up; the upload is discarded
		}
		switch part := msg.GetPart().(type) {
		case *videov1.PublishRequest_Chunk:
			if _, err := up.Write(part.Chunk); err != nil {
				return err
			}
			if sinceCollect += len(part.Chunk); sinceCollect >= collectEvery {
				sinceCollect = 0
				runtime.GC()
			}
		case *videov1.PublishRequest_Meta:
			meta = part.Meta
		}
	}
	if meta == nil {
		return apierror.New(videov1.ErrorReason_INVALID_ARGUMENT, "the upload carried no author and title")
	}
	v, err := s.uc.Publish(stream.Context(), up, meta.GetAuthorId(), meta.GetTitle())
	if err != nil {
		return err
	}
	return stream.SendAndClose(&videov1.PublishReply{Video: toProto(v)})
}

// Feed implements videov1.VideoServiceServer.
func (s *VideoService) Feed(ctx context.Context, req *videov1.FeedRequest) (*videov1.FeedReply, error) {
	vs, err := s.uc.Feed(ctx, req.GetBeforeMs(), int(req.GetLimit()))
	if err != nil {
		return nil, err
	}
	return &videov1.FeedReply{Videos: toProtos(vs)}, nil
}

// ListByAuthor implements videov1.VideoServiceServer.
func (s *VideoService) ListByAuthor(ctx context.Context, req *videov1.ListByAuthorRequest) (*videov1.ListByAuthorReply, error) {
	vs, err := s.uc.ListByAuthor(ctx, req.GetAuthorId())
	if err != nil {
		return nil, err
	}
	return &videov1.ListByAuthorReply{Videos: toProtos(vs)}, nil
}

// GetVideos implements videov1.VideoServiceServer.
func (s *VideoService) GetVideos(ctx context.Context, req *videov1.GetVideosRequest) (*videov1.GetVideosReply, error) {
	vs, err := s.uc.GetVideos(ctx, req.GetIds())
	if err != nil {
		return nil, err
	}
	return &videov1.GetVideosReply{Videos: toProtos(vs)}, nil
}

// Delete implements videov1.VideoServiceServer.
func (s *VideoService) Delete(ctx context.Context, req *videov1.DeleteRequest) (*videov1.DeleteReply, error) {
	v, err := s.uc.Delete(ctx, req.GetVideoId(), req.GetOperator())
	if err != nil {
		return nil, err
	}
	return &videov1.DeleteReply{AuthorId: v.AuthorID}, nil
}

func toProto(v *biz.Video) *videov1.Video {
	return &videov1.Video{
		Id: v.ID, AuthorId: v.AuthorID, Title: v.Title,
		PlayUrl: v.PlayURL, CoverUrl: v.CoverURL, PublishedAt: v.PublishedAt,
		FavoriteCount: v.FavoriteCount, CommentCount: v.CommentCount,
	}
}

func toProtos(vs []*biz.Video) []*videov1.Video {
	out := make([]*videov1.Video, len(vs))
	for i, v := range vs {
		out[i] = toProto(v)
	}
	return out
}
