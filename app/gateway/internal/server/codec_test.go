package server

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
)

func TestAppendJSONWritesTheAppsShape(t *testing.T) {
	tests := []struct {
		name string
		in   proto.Message
		want string
	}{
		{
			name: "every field present, unset message as zero object, empty list as []",
			in:   &gatewayv1.FeedResponse{},
			want: `{"status_code":0,"status_msg":"","video_list":[],"next_time":0}`,
		},
		{
			name: "int64 stays a number beyond 2^53, nested author written in full",
			in: &gatewayv1.FeedResponse{NextTime: 9007199254740993, VideoList: []*gatewayv1.Video{{
				Id: 7, Title: "t", Author: &gatewayv1.User{Id: 3, Name: "a", IsFollow: true},
			}}},
			want: `{"status_code":0,"status_msg":"","video_list":[{"id":7,"author":{"id":3,"name":"a",` +
				`"follow_count":0,"follower_count":0,"is_follow":true,"avatar":"","background_image":"",` +
				`"signature":"","total_favorited":0,"work_count":0,"favorite_count":0},"play_url":"",` +
				`"cover_url":"","favorite_count":0,"comment_count":0,"is_favorite":false,"title":"t"}],` +
				`"next_time":9007199254740993}`,
		},
		{
			name: "msgType keeps its camelCase name, negative numbers",
			in:   &gatewayv1.FriendListResponse{StatusCode: -1, UserList: []*gatewayv1.FriendUser{{Id: 1, MsgType: 1, Message: "hi"}}},
			want: `{"status_code":-1,"status_msg":"","user_list":[{"id":1,"name":"","follow_count":0,` +
				`"follower_count":0,"is_follow":false,"avatar":"","background_image":"","signature":"",` +
				`"total_favorited":0,"work_count":0,"favorite_count":0,"message":"hi","msgType":1}]}`,
		},
		{
			name: "strings escaped for JSON",
			in:   &gatewayv1.RegisterResponse{StatusMsg: "a\"b\\c\n\t\x01</>\u2028抖音\xff"},
			want: `{"status_code":0,"status_msg":"a\"b\\c\n\t\u0001</>\u2028抖音` + "\ufffd" + `","user_id":0,"token":""}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendJSON(nil, tt.in.ProtoReflect())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Fatalf("not valid JSON: %s", got)
			}
		})
	}
}

func BenchmarkAppendJSONFeedPage(b *testing.B) {
	page := &gatewayv1.FeedResponse{NextTime: 1700000000000}
	for i := 0; i < 30; i++ {
		page.VideoList = append(page.VideoList, &gatewayv1.Video{
			Id: int64(i), Title: "a video title", PlayUrl: "http://127.0.0.1:8080/objects/videos/abc.mp4",
			CoverUrl: "http://127.0.0.1:8080/objects/covers/abc.jpg", FavoriteCount: 12345,
			Author: &gatewayv1.User{Id: 9, Name: "author", Avatar: "http://127.0.0.1:8080/static/avatar/9.png"},
		})
	}
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendJSON(buf[:0], page.ProtoReflect()); err != nil {
			b.Fatal(err)
		}
	}
}
