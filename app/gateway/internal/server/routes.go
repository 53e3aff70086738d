package server

import (
	khttp "github.com/go-kratos/kratos/v2/transport/http"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
)

// registerRoutes is the route table of the Douyin API, the same as the google.api.http options
// in api/gateway/v1/douyin.proto (Kratos' route generator cannot be installed here). Paths are
// written without the trailing slash; trimTrailingSlash makes the app's spelling match.
func registerRoutes(r *khttp.Router, api gatewayv1.DouyinServer) {
	r.GET("/douyin/feed", handle(api.Feed))
	r.POST("/douyin/user/register", handle(api.Register))
	r.POST("/douyin/user/login", handle(api.Login))
	r.GET("/douyin/user", handle(api.UserInfo))
	r.POST("/douyin/publish/action", handle(api.PublishAction))
	r.GET("/douyin/publish/list", handle(api.PublishList))
	r.POST("/douyin/favorite/action", handle(api.FavoriteAction))
	r.GET("/douyin/favorite/list", handle(api.FavoriteList))
	r.POST("/douyin/comment/action", handle(api.CommentAction))
	r.GET("/douyin/comment/list", handle(api.CommentList))
	r.POST("/douyin/relation/action", handle(api.RelationAction))
	r.GET("/douyin/relation/follow/list", handle(api.FollowList))
	r.GET("/douyin/relation/follower/list", handle(api.FollowerList))
	r.GET("/douyin/relation/friend/list", handle(api.FriendList))
	r.GET("/douyin/message/chat", handle(api.MessageChat))
	r.POST("/douyin/message/action", handle(api.MessageAction))
}
