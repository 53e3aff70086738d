package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
)

// The take-down routes answer nobody without the configured token, and everybody with none
// configured is refused alike: a gateway of a cluster not given admin_token has no take-downs.
func TestAdminHandlerCredential(t *testing.T) {
	uc := biz.NewTakedownUsecase(nil, nil, nil, log.NewStdLogger(io.Discard))
	for _, tt := range []struct {
		name, configured, sent string
		status                 int
		body                   string
	}{
		{"no token configured", "", "Bearer ", http.StatusForbidden,
			`{"changed":false,"error":"admin actions are off on this gateway: give it admin_token (DOUYIN_ADMIN_TOKEN)","reason":"ADMIN_DISABLED"}`},
		{"none sent", "s3cret", "", http.StatusUnauthorized, `{"changed":false,"error":"wrong or missing admin token","reason":"UNAUTHENTICATED"}`},
		{"a prefix of it", "s3cret", "Bearer s3cre", http.StatusUnauthorized, `{"changed":false,"error":"wrong or missing admin token","reason":"UNAUTHENTICATED"}`},
		{"not a bearer", "s3cret", "s3cret", http.StatusUnauthorized, `{"changed":false,"error":"wrong or missing admin token","reason":"UNAUTHENTICATED"}`},
		{"right, unknown route", "s3cret", "Bearer s3cret", http.StatusNotFound, `{"changed":false,"error":"no such admin action: POST /admin/users/1/delete","reason":"NOT_FOUND"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/admin/users/1/delete", nil)
			if tt.sent != "" {
				req.Header.Set("Authorization", tt.sent)
			}
			rec := httptest.NewRecorder()
			NewAdminHandler(AdminToken(tt.configured), uc).ServeHTTP(rec, req)
			if rec.Code != tt.status || rec.Body.String() != tt.body+"\n" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("answer %d %q (Cache-Control %q); want %d %s", rec.Code, rec.Body, rec.Header().Get("Cache-Control"), tt.status, tt.body)
			}
		})
	}
}
