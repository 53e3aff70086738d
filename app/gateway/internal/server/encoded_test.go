package server

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/encoded"
)

// keptAPI answers user info with one kept answer, as the service does for a read kept until
// the next change.
type keptAPI struct {
	stubAPI
	answer *gatewayv1.UserInfoResponse
	body   *encoded.Body
}

func (a keptAPI) UserInfo(ctx context.Context, _ *gatewayv1.UserInfoRequest) (*gatewayv1.UserInfoResponse, error) {
	encoded.Offer(ctx, a.body)
	return a.answer, nil
}

// A kept answer is encoded by the first request that writes it; the rest write those bytes.
func TestKeptAnswersAreEncodedOnce(t *testing.T) {
	api := keptAPI{answer: &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: 7, Name: "kept"}}, body: &encoded.Body{}}
	settings := testSettings(&confv1.HTTP{Timeout: durationpb.New(time.Second), UploadTimeout: durationpb.New(time.Second)})
	ts := httptest.NewServer(testServer(t, settings, api))
	t.Cleanup(ts.Close)
	get := func() string {
		resp, err := ts.Client().Get(ts.URL + "/douyin/user/?user_id=7&token=t")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	first := get()
	want, _ := appendJSON(nil, api.answer.ProtoReflect())
	if first != string(want) || string(api.body.JSON()) != first {
		t.Fatalf("first answer %s, kept %s; want both %s", first, api.body.JSON(), want)
	}
	// Were the answer encoded again, this would not show.
	api.body.Keep([]byte(`{"status_code":0,"from":"the kept bytes"}`))
	if again := get(); again != `{"status_code":0,"from":"the kept bytes"}` {
		t.Fatalf("second answer %s: encoded again instead of the kept bytes", again)
	}
}
