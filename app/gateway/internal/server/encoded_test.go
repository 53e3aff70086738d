package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// A kept answer larger than a packet goes gzip-compressed, compressed once, to a client that
// asks for it (OkHttp, the Android app's client, always does); the rest get it as it is.
func TestKeptAnswersAreCompressedOnceForClientsThatAcceptGzip(t *testing.T) {
	large := &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: 7, Name: "kept", Signature: strings.Repeat("a line of the signature ", 200)}}
	small := &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: 7, Name: "kept"}}
	for _, tc := range []struct {
		name       string
		answer     *gatewayv1.UserInfoResponse
		accept     string
		wantZipped bool
	}{
		{"large, gzip accepted", large, "gzip", true},
		{"large, gzip among others", large, "br;q=1.0, gzip;q=0.8", true},
		{"large, gzip refused", large, "gzip;q=0", false},
		{"large, no Accept-Encoding", large, "", false},
		{"small, gzip accepted", small, "gzip", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := keptAPI{answer: tc.answer, body: &encoded.Body{}}
			settings := testSettings(&confv1.HTTP{Timeout: durationpb.New(time.Second), UploadTimeout: durationpb.New(time.Second)})
			ts := httptest.NewServer(testServer(t, settings, api))
			t.Cleanup(ts.Close)
			want, _ := appendJSON(nil, tc.answer.ProtoReflect())
			for i := range 2 { // the first request compresses, the second writes the kept bytes
				req, _ := http.NewRequest(http.MethodGet, ts.URL+"/douyin/user/?user_id=7&token=t", nil)
				if tc.accept != "" {
					req.Header.Set("Accept-Encoding", tc.accept) // set by hand: the transport then leaves the body alone
				}
				resp, err := ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				zipped := resp.Header.Get("Content-Encoding") == "gzip"
				if zipped != tc.wantZipped {
					t.Fatalf("request %d: Content-Encoding %q; want gzip: %v", i, resp.Header.Get("Content-Encoding"), tc.wantZipped)
				}
				got := raw
				if zipped {
					zr, err := gzip.NewReader(bytes.NewReader(raw))
					if err != nil {
						t.Fatal(err)
					}
					if got, err = io.ReadAll(zr); err != nil {
						t.Fatal(err)
					}
					if len(raw) >= len(got)/2 {
						t.Errorf("compressed to %d bytes of %d", len(raw), len(got))
					}
				}
				if string(got) != string(want) {
					t.Fatalf("request %d answered %.80s…; want %.80s…", i, got, want)
				}
				if vary := resp.Header.Get("Vary"); (len(want) >= minGzipped) != (vary == "Accept-Encoding") {
					t.Errorf("Vary %q for an answer of %d bytes", vary, len(want))
				}
			}
			if tc.wantZipped {
				if a, b := api.body.Gzipped(), api.body.Gzipped(); &a[0] != &b[0] {
					t.Error("the gzip form was made again: want it kept with the answer")
				}
			}
		})
	}
}
