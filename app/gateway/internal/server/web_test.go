package server

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/web"
)

// The web client shares the API's address: it adds its own paths and takes none of the API's.
func TestWebClientBesideTheAPI(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		settings := testSettings(&confv1.HTTP{Timeout: durationpb.New(time.Second), UploadTimeout: durationpb.New(time.Second)})
		if enabled {
			settings.Web = web.New(web.Settings{OpenAPI: []byte("openapi: 3.0.3\n")})
		}
		ts := httptest.NewServer(testServer(t, settings, stubAPI{}))
		t.Cleanup(ts.Close)

		check := func(path, wantType string, wantStatus int, wantBody string) {
			t.Helper()
			resp, err := noRedirects.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) || !strings.Contains(string(body), wantBody) {
				t.Errorf("web %v: GET %s: %d %q %.100s; want %d %s containing %q", enabled, path, resp.StatusCode,
					resp.Header.Get("Content-Type"), body, wantStatus, wantType, wantBody)
			}
		}
		// Unknown API paths keep their JSON answer either way, and the API answers as before.
		check("/douyin/nope/", "application/json", 404, `{"status_code":404,"status_msg":"no such endpoint: /douyin/nope"}`)
		check("/douyin/user/?user_id=7&token=x", "application/json", 200, `"id":7`)
		check("/static/avatar/1.png", "image/png", 200, "")
		if enabled {
			check("/", "text/html", 200, `<script type="module"`)
			check("/docs/", "text/html", 200, "swagger-ui")
			check("/openapi.yaml", "application/yaml", 200, "openapi: 3.0.3")
			check("/index.html", "application/json", 404, "no such endpoint")
		} else {
			for _, p := range []string{"/", "/docs", "/openapi.yaml", web.New(web.Settings{}).AssetsPath() + "/js/app.js"} {
				check(p, "application/json", 404, "no such endpoint")
			}
		}
	}
}
