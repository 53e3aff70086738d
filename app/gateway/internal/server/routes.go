package server

import (
	"time"

	khttp "github.com/go-kratos/kratos/v2/transport/http"
)

// routeLimits are the deadlines and sizes the routes enforce.
type routeLimits struct {
	timeout       time.Duration // every route but the upload
	uploadTimeout time.Duration // the upload: a slow phone connection sending a large video
	maxUpload     int64
	// Uploads received at once, per client address and in all; 0 is no bound.
	maxUploadsPerClient, maxUploads int32
}

// registerRoutes is the route table of the Douyin API, the same as the google.api.http options
// in api/gateway/v1/douyin.proto (Kratos' route generator cannot be installed here). Paths are
// written without the trailing slash; trimTrailingSlash makes the app's spelling match.
func registerRoutes(r *khttp.Router, api API, limits routeLimits) {
	t := limits.timeout
	r.GET("/douyin/feed", handle(t, api.Feed))
	r.POST("/douyin/user/register", handle(t, api.Register))
	r.POST("/douyin/user/login", handle(t, api.Login))
	r.GET("/douyin/user", handle(t, api.UserInfo))
	r.POST("/douyin/publish/action", handlePublish(api, limits))
	r.GET("/douyin/publish/list", handle(t, api.PublishList))
	r.POST("/douyin/favorite/action", handle(t, api.FavoriteAction))
	r.GET("/douyin/favorite/list", handle(t, api.FavoriteList))
	r.POST("/douyin/comment/action", handle(t, api.CommentAction))
	r.GET("/douyin/comment/list", handle(t, api.CommentList))
	r.POST("/douyin/relation/action", handle(t, api.RelationAction))
	r.GET("/douyin/relation/follow/list", handle(t, api.FollowList))
	r.GET("/douyin/relation/follower/list", handle(t, api.FollowerList))
	r.GET("/douyin/relation/friend/list", handle(t, api.FriendList))
	r.GET("/douyin/message/chat", handle(t, api.MessageChat))
	r.POST("/douyin/message/action", handle(t, api.MessageAction))
}
