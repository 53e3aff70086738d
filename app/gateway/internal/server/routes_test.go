package server

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// stubAPI answers every method with "not implemented yet", except UserInfo, which echoes.
type stubAPI struct {
	gatewayv1.UnimplementedDouyinServer
}

func (stubAPI) UserInfo(_ context.Context, req *gatewayv1.UserInfoRequest) (*gatewayv1.UserInfoResponse, error) {
	return &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: req.GetUserId(), Name: req.GetToken()}}, nil
}

func (stubAPI) PublishUpload(context.Context, url.Values, *multipart.Reader) (*gatewayv1.PublishActionResponse, error) {
	return &gatewayv1.PublishActionResponse{StatusMsg: "stub"}, nil
}

// testSettings are the server settings of a gateway on a free port with the common middleware
// (tracing off).
func testSettings(cfg *confv1.HTTP) Settings {
	return Settings{Addr: "127.0.0.1:0", HTTP: cfg, Middleware: bootstrap.ServerMiddleware(&confv1.Bootstrap{}, log.DefaultLogger)}
}

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	settings := testSettings(&confv1.HTTP{Timeout: durationpb.New(time.Second), UploadTimeout: durationpb.New(time.Second)})
	ts := httptest.NewServer(testServer(t, settings, stubAPI{}))
	t.Cleanup(ts.Close)
	return ts
}

// testServer is the server NewHTTPServer makes of settings and api; its listener is closed when
// the test ends.
func testServer(t *testing.T, settings Settings, api API) *khttp.Server {
	t.Helper()
	srv, closeListener, err := NewHTTPServer(settings, api, nil, log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeListener)
	return srv
}

// noRedirects fails the test on any redirect instead of following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestRouteTableMatchesProto(t *testing.T) {
	var want []string
	methods := gatewayv1.File_api_gateway_v1_douyin_proto.Services().ByName("Douyin").Methods()
	for i := 0; i < methods.Len(); i++ {
		rule := proto.GetExtension(methods.Get(i).Options(), annotations.E_Http).(*annotations.HttpRule)
		switch p := rule.GetPattern().(type) {
		case *annotations.HttpRule_Get:
			want = append(want, "GET "+p.Get)
		case *annotations.HttpRule_Post:
			want = append(want, "POST "+p.Post)
		default:
			t.Fatalf("%s: unexpected rule %v", methods.Get(i).Name(), rule)
		}
	}
	if len(want) != 16 {
		t.Fatalf("the proto declares %d endpoints, the contract has 16", len(want))
	}

	ts := newTestServer(t)
	for _, route := range want {
		method, path, _ := strings.Cut(route, " ")
		for _, spelling := range []string{path, strings.TrimSuffix(path, "/")} {
			req, _ := http.NewRequest(method, ts.URL+spelling, nil)
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), `{"status_code":`) {
				t.Errorf("%s %s: %d %s", method, spelling, resp.StatusCode, body)
			}
		}
	}
	sort.Strings(want)
	t.Logf("routes: %v", want)
}

func TestEnvelopeAndQuirks(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name, method, path, contentType, body string
		wantStatus                            int
		want                                  string
	}{
		{
			name: "GET with params", method: "GET", path: "/douyin/user/?user_id=1e%2B06&token=tk", wantStatus: 200,
			want: `{"status_code":0,"status_msg":"","user":{"id":1000000,"name":"tk","follow_count":0,"follower_count":0,"is_follow":false,"avatar":"","background_image":"","signature":"","total_favorited":0,"work_count":0,"favorite_count":0}}`,
		},
		{
			name: "bad id answers in the endpoint's own envelope", method: "GET", path: "/douyin/user?user_id=x", wantStatus: 200,
			want: `{"status_code":400,"status_msg":"user_id must be an integer, got \"x\"","user":{"id":0,"name":"","follow_count":0,"follower_count":0,"is_follow":false,"avatar":"","background_image":"","signature":"","total_favorited":0,"work_count":0,"favorite_count":0}}`,
		},
		{
			// The stub's bare gRPC status has no reason: it is a failure, logged and answered
			// with a generic message.
			name: "POST with JSON content type but query params", method: "POST", contentType: "application/json",
			path: "/douyin/message/action/?token=t&to_user_id=1&action_type=1&content=hi", wantStatus: 200,
			want: `{"status_code":500,"status_msg":"internal error, please try again later"}`,
		},
		{
			name: "unknown path", method: "GET", path: "/douyin/nope/", wantStatus: 404,
			want: `{"status_code":404,"status_msg":"no such endpoint: /douyin/nope"}`,
		},
		{
			name: "a long unknown path is echoed cut short", method: "GET", path: "/douyin/" + strings.Repeat("é", 200), wantStatus: 404,
			want: `{"status_code":404,"status_msg":"no such endpoint: /douyin/` + strings.Repeat("é", 60) + `…"}`,
		},
		{
			name: "wrong method", method: "GET", path: "/douyin/user/login/", wantStatus: 405,
			want: `{"status_code":405,"status_msg":"/douyin/user/login does not accept GET"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.want {
				t.Fatalf("got %d %s\nwant %d %s", resp.StatusCode, body, tt.wantStatus, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
}

func TestDefaultImages(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/static/avatar/1.png", "/static/avatar/123456789.png", "/static/background/8.png"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(body), "\x89PNG\r\n\x1a\n") {
			t.Errorf("%s: %d %s, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
}
