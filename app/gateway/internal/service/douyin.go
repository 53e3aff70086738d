// Package service implements the Douyin API (gatewayv1.DouyinServer): it resolves the viewer
// from the token, calls the use cases and maps their results to the API's messages.
package service

import (
	"context"
	"strings"

	"github.com/go-kratos/kratos/v2/transport/http"
	"github.com/google/wire"
	"google.golang.org/protobuf/proto"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/accesslog"
	"github.com/douyin-kratos/douyin/pkg/clientip"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewDouyinService)

var _ gatewayv1.DouyinServer = (*DouyinService)(nil)

// DouyinService implements the public API.
type DouyinService struct {
	gatewayv1.UnimplementedDouyinServer
	accounts  *biz.AccountUsecase
	videos    *biz.VideoUsecase
	comments  *biz.CommentUsecase
	relations *biz.RelationUsecase
	messages  *biz.MessageUsecase
	// answers keeps the answers to reads until the next change.
	answers *answers
	// publicURL is the configured base for image and video links; empty means "the host the
	// request came to", which is an address the phone can reach.
	publicURL string
}

// PublicURL is public_url: the base of image and video links, or "" for the host each request
// came to.
type PublicURL string

// NewDouyinService returns a DouyinService.
// changes are the counts answers are kept by; a nil one keeps none of the answers it governs.
func NewDouyinService(publicURL PublicURL, accounts *biz.AccountUsecase, videos *biz.VideoUsecase, comments *biz.CommentUsecase,
	relations *biz.RelationUsecase, messages *biz.MessageUsecase, changes biz.Changes) *DouyinService {
	return &DouyinService{
		accounts: accounts, videos: videos, comments: comments, relations: relations, messages: messages,
		answers:   newAnswers(changes),
		publicURL: strings.TrimSuffix(string(publicURL), "/"),
	}
}

// Register implements gatewayv1.DouyinServer.
func (s *DouyinService) Register(ctx context.Context, req *gatewayv1.RegisterRequest) (*gatewayv1.RegisterResponse, error) {
	session, err := s.accounts.Register(ctx, client(ctx), req.GetUsername(), req.GetPassword())
	if err != nil {
		return nil, err
	}
	return &gatewayv1.RegisterResponse{StatusMsg: "registered", UserId: session.UserID, Token: session.Token}, nil
}

// Login implements gatewayv1.DouyinServer.
func (s *DouyinService) Login(ctx context.Context, req *gatewayv1.LoginRequest) (*gatewayv1.LoginResponse, error) {
	session, err := s.accounts.Login(ctx, client(ctx), req.GetUsername(), req.GetPassword())
	if err != nil {
		return nil, err
	}
	return &gatewayv1.LoginResponse{StatusMsg: "logged in", UserId: session.UserID, Token: session.Token}, nil
}

// UserInfo implements gatewayv1.DouyinServer.
func (s *DouyinService) UserInfo(ctx context.Context, req *gatewayv1.UserInfoRequest) (*gatewayv1.UserInfoResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	return keep(ctx, s.answers, s.answers.changes.Reads, s.answerKey(ctx, "user", viewer, req.GetUserId()), 0, nil, func(ctx context.Context) (*gatewayv1.UserInfoResponse, error) {
		u, err := s.accounts.Profile(ctx, viewer, req.GetUserId())
		if err != nil {
			return nil, err
		}
		return &gatewayv1.UserInfoResponse{User: s.user(ctx, u)}, nil
	})
}

// Feed implements gatewayv1.DouyinServer.
func (s *DouyinService) Feed(ctx context.Context, req *gatewayv1.FeedRequest) (*gatewayv1.FeedResponse, error) {
	// A token that acts for nobody reads as none here, and only here (see FeedViewer).
	viewer, err := s.accounts.FeedViewer(ctx, req.GetToken())
	accesslog.SetUser(ctx, viewer)
	if err != nil {
		return nil, err
	}
	before, newest := s.videos.Cursor(req.GetLatestTime())
	// The newest page, read for one time, is the newest page for any later time too, until
	// the next publish (a change), but an empty one echoes the time asked for in next_time. An
	// older page is kept for its own time.
	key := s.answerKey(ctx, "feed", viewer)
	if !newest {
		key = s.answerKey(ctx, "feed", viewer, before)
	}
	fits := func(kept *gatewayv1.FeedResponse, from int64) bool {
		return before == from || newest && before > from && len(kept.GetVideoList()) > 0
	}
	return keep(ctx, s.answers, s.answers.changes.Reads, key, before, fits, func(ctx context.Context) (*gatewayv1.FeedResponse, error) {
		page, err := s.videos.FeedBefore(ctx, viewer, before)
		if err != nil {
			return nil, err
		}
		return &gatewayv1.FeedResponse{VideoList: s.videoList(ctx, page.Videos), NextTime: page.NextTime}, nil
	})
}

// PublishAction implements gatewayv1.DouyinServer. Uploads arrive as multipart bodies, which
// the HTTP server streams to PublishUpload; this method only answers requests that are not.
func (s *DouyinService) PublishAction(context.Context, *gatewayv1.PublishActionRequest) (*gatewayv1.PublishActionResponse, error) {
	return nil, errNotMultipart
}

// PublishList implements gatewayv1.DouyinServer.
func (s *DouyinService) PublishList(ctx context.Context, req *gatewayv1.PublishListRequest) (*gatewayv1.PublishListResponse, error) {
	return keptList(ctx, s, req.GetToken(), "publish", req.GetUserId(), func(ctx context.Context, viewer int64) (*gatewayv1.PublishListResponse, error) {
		videos, err := s.videos.PublishList(ctx, viewer, req.GetUserId())
		if err != nil {
			return nil, err
		}
		return &gatewayv1.PublishListResponse{VideoList: s.videoList(ctx, videos)}, nil
	})
}

// FavoriteAction implements gatewayv1.DouyinServer.
func (s *DouyinService) FavoriteAction(ctx context.Context, req *gatewayv1.FavoriteActionRequest) (*gatewayv1.FavoriteActionResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := s.videos.FavoriteAction(ctx, viewer, req.GetVideoId(), req.GetActionType()); err != nil {
		return nil, err
	}
	return &gatewayv1.FavoriteActionResponse{}, nil
}

// FavoriteList implements gatewayv1.DouyinServer.
func (s *DouyinService) FavoriteList(ctx context.Context, req *gatewayv1.FavoriteListRequest) (*gatewayv1.FavoriteListResponse, error) {
	return keptList(ctx, s, req.GetToken(), "favorites", req.GetUserId(), func(ctx context.Context, viewer int64) (*gatewayv1.FavoriteListResponse, error) {
		videos, err := s.videos.FavoriteList(ctx, viewer, req.GetUserId())
		if err != nil {
			return nil, err
		}
		return &gatewayv1.FavoriteListResponse{VideoList: s.videoList(ctx, videos)}, nil
	})
}

// CommentAction implements gatewayv1.DouyinServer.
func (s *DouyinService) CommentAction(ctx context.Context, req *gatewayv1.CommentActionRequest) (*gatewayv1.CommentActionResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	c, err := s.comments.Action(ctx, viewer, req.GetVideoId(), req.GetActionType(), req.GetCommentText(), req.GetCommentId())
	if err != nil {
		return nil, err
	}
	reply := &gatewayv1.CommentActionResponse{}
	if c != nil {
		reply.Comment = s.comment(ctx, c)
	}
	return reply, nil
}

// CommentList implements gatewayv1.DouyinServer.
func (s *DouyinService) CommentList(ctx context.Context, req *gatewayv1.CommentListRequest) (*gatewayv1.CommentListResponse, error) {
	return keptList(ctx, s, req.GetToken(), "comments", req.GetVideoId(), func(ctx context.Context, viewer int64) (*gatewayv1.CommentListResponse, error) {
		comments, err := s.comments.List(ctx, viewer, req.GetVideoId())
		if err != nil {
			return nil, err
		}
		reply := &gatewayv1.CommentListResponse{CommentList: make([]*gatewayv1.Comment, len(comments))}
		users := make(map[*biz.User]*gatewayv1.User)
		for i, c := range comments {
			reply.CommentList[i] = &gatewayv1.Comment{Id: c.ID, Content: c.Content, CreateDate: c.CreateDate()}
			if u, ok := users[c.User]; ok {
				reply.CommentList[i].User = u
			} else {
				reply.CommentList[i].User = s.user(ctx, c.User)
				users[c.User] = reply.CommentList[i].User
			}
		}
		return reply, nil
	})
}

func (s *DouyinService) comment(ctx context.Context, c *biz.Comment) *gatewayv1.Comment {
	return &gatewayv1.Comment{Id: c.ID, User: s.user(ctx, c.User), Content: c.Content, CreateDate: c.CreateDate()}
}

// RelationAction implements gatewayv1.DouyinServer.
func (s *DouyinService) RelationAction(ctx context.Context, req *gatewayv1.RelationActionRequest) (*gatewayv1.RelationActionResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := s.relations.Action(ctx, viewer, req.GetToUserId(), req.GetActionType()); err != nil {
		return nil, err
	}
	return &gatewayv1.RelationActionResponse{}, nil
}

// FollowList implements gatewayv1.DouyinServer.
func (s *DouyinService) FollowList(ctx context.Context, req *gatewayv1.FollowListRequest) (*gatewayv1.FollowListResponse, error) {
	return keptList(ctx, s, req.GetToken(), "follows", req.GetUserId(), func(ctx context.Context, viewer int64) (*gatewayv1.FollowListResponse, error) {
		users, err := s.relations.FollowList(ctx, viewer, req.GetUserId())
		if err != nil {
			return nil, err
		}
		return &gatewayv1.FollowListResponse{UserList: s.userList(ctx, users)}, nil
	})
}

// FollowerList implements gatewayv1.DouyinServer.
func (s *DouyinService) FollowerList(ctx context.Context, req *gatewayv1.FollowerListRequest) (*gatewayv1.FollowerListResponse, error) {
	return keptList(ctx, s, req.GetToken(), "followers", req.GetUserId(), func(ctx context.Context, viewer int64) (*gatewayv1.FollowerListResponse, error) {
		users, err := s.relations.FollowerList(ctx, viewer, req.GetUserId())
		if err != nil {
			return nil, err
		}
		return &gatewayv1.FollowerListResponse{UserList: s.userList(ctx, users)}, nil
	})
}

// FriendList implements gatewayv1.DouyinServer.
func (s *DouyinService) FriendList(ctx context.Context, req *gatewayv1.FriendListRequest) (*gatewayv1.FriendListResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	friends, err := s.relations.FriendList(ctx, viewer, req.GetUserId())
	if err != nil {
		return nil, err
	}
	reply := &gatewayv1.FriendListResponse{UserList: make([]*gatewayv1.FriendUser, len(friends))}
	for i, f := range friends {
		u := s.user(ctx, f.User)
		reply.UserList[i] = &gatewayv1.FriendUser{
			Id: u.Id, Name: u.Name, FollowCount: u.FollowCount, FollowerCount: u.FollowerCount,
			IsFollow: u.IsFollow, Avatar: u.Avatar, BackgroundImage: u.BackgroundImage, Signature: u.Signature,
			TotalFavorited: u.TotalFavorited, WorkCount: u.WorkCount, FavoriteCount: u.FavoriteCount,
		}
		if f.Latest != nil {
			reply.UserList[i].Message = f.Latest.Content
			if f.Latest.FromUserID == viewer {
				reply.UserList[i].MsgType = 1
			}
		}
	}
	return reply, nil
}

// MessageChat implements gatewayv1.DouyinServer.
func (s *DouyinService) MessageChat(ctx context.Context, req *gatewayv1.MessageChatRequest) (*gatewayv1.MessageChatResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	// A chat open on a phone polls every second or so, and almost every poll finds nothing new:
	// kept until the next message sent anywhere. A poll that found nothing after a time finds
	// nothing after any later time either, until a message is sent: one kept empty answer
	// serves the conversation's polls from that time on, also those of clients that poll from
	// the clock (a new time every second) rather than from the newest message they have.
	after := max(req.GetPreMsgTime(), 0)
	key := s.answerKey(ctx, "chat-poll", viewer, req.GetToUserId())
	if after == 0 {
		key = s.answerKey(ctx, "chat", viewer, req.GetToUserId()) // the whole conversation
	}
	fits := func(kept *gatewayv1.MessageChatResponse, from int64) bool {
		return after == from || after > from && len(kept.GetMessageList()) == 0
	}
	return keep(ctx, s.answers, s.answers.changes.Messages, key, after, fits, func(ctx context.Context) (*gatewayv1.MessageChatResponse, error) {
		messages, err := s.messages.Chat(ctx, viewer, req.GetToUserId(), after)
		if err != nil {
			return nil, err
		}
		reply := &gatewayv1.MessageChatResponse{MessageList: make([]*gatewayv1.Message, len(messages))}
		for i, m := range messages {
			reply.MessageList[i] = &gatewayv1.Message{
				Id: m.ID, ToUserId: m.ToUserID, FromUserId: m.FromUserID, Content: m.Content, CreateTime: m.CreateTime,
			}
		}
		return reply, nil
	})
}

// MessageAction implements gatewayv1.DouyinServer.
func (s *DouyinService) MessageAction(ctx context.Context, req *gatewayv1.MessageActionRequest) (*gatewayv1.MessageActionResponse, error) {
	viewer, err := s.requireViewer(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := s.messages.Action(ctx, viewer, req.GetToUserId(), req.GetActionType(), req.GetContent()); err != nil {
		return nil, err
	}
	return &gatewayv1.MessageActionResponse{}, nil
}

// keptList answers a read of one subject's list (a user's videos, favorites, follows or
// followers, a video's comments) for the viewer the token names, or for anyone when it names
// none. The answer is kept per list, viewer and subject until the next change.
func keptList[T proto.Message](ctx context.Context, s *DouyinService, token, list string, subject int64, read func(ctx context.Context, viewer int64) (T, error)) (T, error) {
	viewer, err := s.viewer(ctx, token)
	if err != nil {
		var none T
		return none, err
	}
	return keep(ctx, s.answers, s.answers.changes.Reads, s.answerKey(ctx, list, viewer, subject), 0, nil, func(ctx context.Context) (T, error) {
		return read(ctx, viewer)
	})
}

func (s *DouyinService) userList(ctx context.Context, users []*biz.User) []*gatewayv1.User {
	out := make([]*gatewayv1.User, len(users))
	for i, u := range users {
		out[i] = s.user(ctx, u)
	}
	return out
}

func (s *DouyinService) videoList(ctx context.Context, videos []*biz.Video) []*gatewayv1.Video {
	out := make([]*gatewayv1.Video, len(videos))
	// A page often shows one author many times: convert each once.
	authors := make(map[*biz.User]*gatewayv1.User)
	for i, v := range videos {
		author, ok := authors[v.Author]
		if !ok {
			author = s.user(ctx, v.Author)
			authors[v.Author] = author
		}
		out[i] = &gatewayv1.Video{
			Id:            v.ID,
			Author:        author,
			PlayUrl:       s.absoluteURL(ctx, v.PlayURL),
			CoverUrl:      s.absoluteURL(ctx, v.CoverURL),
			FavoriteCount: v.FavoriteCount,
			CommentCount:  v.CommentCount,
			IsFavorite:    v.IsFavorite,
			Title:         v.Title,
		}
	}
	return out
}

func (s *DouyinService) user(ctx context.Context, u *biz.User) *gatewayv1.User {
	return &gatewayv1.User{
		Id:              u.ID,
		Name:            u.Name,
		FollowCount:     u.FollowCount,
		FollowerCount:   u.FollowerCount,
		IsFollow:        u.IsFollow,
		Avatar:          s.absoluteURL(ctx, u.Avatar),
		BackgroundImage: s.absoluteURL(ctx, u.BackgroundImage),
		Signature:       u.Signature,
		TotalFavorited:  u.TotalFavorited,
		WorkCount:       u.WorkCount,
		FavoriteCount:   u.FavoriteCount,
	}
}

// viewer is AccountUsecase.Viewer, noting the viewer in the access log.
func (s *DouyinService) viewer(ctx context.Context, token string) (int64, error) {
	id, err := s.accounts.Viewer(ctx, token)
	accesslog.SetUser(ctx, id)
	return id, err
}

// requireViewer is AccountUsecase.RequireViewer, noting the viewer in the access log.
func (s *DouyinService) requireViewer(ctx context.Context, token string) (int64, error) {
	id, err := s.accounts.RequireViewer(ctx, token)
	accesslog.SetUser(ctx, id)
	return id, err
}

// client is who sent the request, as the throttles count clients (see clientip.Key).
func client(ctx context.Context) string {
	return clientip.Key(clientip.FromContext(ctx))
}

// absoluteURL turns a path served by this system ("/static/...") into a URL the phone can
// fetch; absolute URLs pass through.
func (s *DouyinService) absoluteURL(ctx context.Context, path string) string {
	if !strings.HasPrefix(path, "/") {
		return path
	}
	if s.publicURL != "" {
		return s.publicURL + path
	}
	if r, ok := http.RequestFromServerContext(ctx); ok {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		return scheme + "://" + r.Host + path
	}
	return path
}
