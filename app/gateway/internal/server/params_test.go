package server

import (
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
)

func TestParseInteger(t *testing.T) {
	good := map[string]int64{
		"0": 0, "42": 42, " 42 ": 42, "+7": 7, "-3": -3, "1e+06": 1_000_000, "1E6": 1_000_000,
		"1.680703713e+09": 1_680_703_713, "12.0": 12, "12.000e0": 12, "0.5e1": 5, "1200e-2": 12,
		"0e0": 0, "-0.0": 0, "9007199254740993": 9007199254740993, "9.007199254740993e15": 9007199254740993,
		"9223372036854775807": 1<<63 - 1,
	}
	for in, want := range good {
		if got, err := parseInteger(in, 64); err != nil || got != want {
			t.Errorf("parseInteger(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := []string{
		"", " ", "abc", "1.5", "1e-1", "1.0000000000000001", "0x10", "1/2", "1e", "e5", ".", "--1",
		"NaN", "Inf", "1e41", "1e40", "9223372036854775808", "1e19", "1,000", "١٢", strings.Repeat("1", 65),
	}
	for _, in := range bad {
		if got, err := parseInteger(in, 64); err == nil {
			t.Errorf("parseInteger(%q) = %d; want an error", in, got)
		}
	}
	if _, err := parseInteger("2147483648", 32); err == nil {
		t.Error("2^31 accepted for a 32-bit field")
	}
	if got, err := parseInteger("2e0", 32); err != nil || got != 2 {
		t.Errorf("parseInteger(2e0, 32) = %d, %v", got, err)
	}
}

func FuzzParseInteger(f *testing.F) {
	for _, seed := range []string{"1", "1e+06", "1.5", "-0.0e3", "9.007199254740993e15"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseInteger(s, 64)
		if err != nil {
			return
		}
		// Whatever is accepted must denote exactly the integer n, by exact rational arithmetic.
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		if !ok || !r.IsInt() || !r.Num().IsInt64() || r.Num().Int64() != n {
			t.Fatalf("%q accepted as %d, but its exact value is %v", s, n, r)
		}
	})
}

func TestDecodeParams(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		want        proto.Message
		wantErr     string
	}{
		{
			name: "the app's POST: query string, no body, no content type", method: http.MethodPost,
			target: "/douyin/relation/action/?token=t&to_user_id=5&action_type=1",
			want:   &gatewayv1.RelationActionRequest{Token: "t", ToUserId: 5, ActionType: 1},
		},
		{
			name: "repeated key takes the first value", method: http.MethodPost,
			target: "/x?content=a&content=b&to_user_id=2&to_user_id=3",
			want:   &gatewayv1.MessageActionRequest{Content: "a", ToUserId: 2},
		},
		{
			name: "urlencoded form", method: http.MethodPost, target: "/x",
			contentType: "application/x-www-form-urlencoded; charset=utf-8", body: "username=bob&password=pw",
			want: &gatewayv1.RegisterRequest{Username: "bob", Password: "pw"},
		},
		{
			name: "query wins over form", method: http.MethodPost, target: "/x?username=q",
			contentType: "application/x-www-form-urlencoded", body: "username=f&password=pw",
			want: &gatewayv1.RegisterRequest{Username: "q", Password: "pw"},
		},
		{
			name: "float notation id", method: http.MethodGet, target: "/x?user_id=1.680703713e%2B09",
			want: &gatewayv1.UserInfoRequest{UserId: 1680703713},
		},
		{
			name: "a GET body is not read", method: http.MethodGet, target: "/x",
			contentType: "application/x-www-form-urlencoded", body: "user_id=3",
			want: &gatewayv1.UserInfoRequest{},
		},
		{
			name: "an empty number is absent", method: http.MethodGet, target: "/x?user_id=&token=",
			want: &gatewayv1.UserInfoRequest{},
		},
		{
			name: "non-numeric id", method: http.MethodGet, target: "/x?user_id=abc",
			want: &gatewayv1.UserInfoRequest{}, wantErr: `user_id must be an integer, got "abc"`,
		},
		{
			name: "fractional id", method: http.MethodGet, target: "/x?user_id=1.5",
			want: &gatewayv1.UserInfoRequest{}, wantErr: `user_id must be an integer, got "1.5"`,
		},
		{
			name: "invalid UTF-8 text", method: http.MethodPost, target: "/x?username=%ff",
			want: &gatewayv1.RegisterRequest{}, wantErr: "username is not valid UTF-8 text",
		},
		{
			name: "latest_time is text: the feed decides what garbage means", method: http.MethodGet,
			target: "/x?latest_time=yesterday", want: &gatewayv1.FeedRequest{LatestTime: "yesterday"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			got := tt.want.ProtoReflect().New().Interface()
			err := decodeParams(r, got.ProtoReflect())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, tt.want) {
				t.Fatalf("decoded %v; want %v", got, tt.want)
			}
		})
	}
}
