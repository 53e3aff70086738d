package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-kratos/kratos/v2/errors"

	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
)

// AdminPrefix is where the take-down routes live on the admin address.
const AdminPrefix = "/admin/"

// OperatorHeader names who asks for a take-down (the admin command sends the login name); the
// audit log records it with the client address.
const OperatorHeader = "X-Douyin-Operator"

// AdminToken is the credential of the take-down routes (admin_token); empty turns them off.
type AdminToken string

// AdminReply is the JSON of every take-down answer.
type AdminReply struct {
	Action  string `json:"action,omitempty"`
	ID      int64  `json:"id,omitempty"`
	Changed bool   `json:"changed"`
	Message string `json:"message,omitempty"`
	// Error and Reason are set when the action was refused or failed.
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// NewAdminHandler serves the operators' take-downs under AdminPrefix, for the admin address:
//
//	POST   /admin/users/{id}/ban     suspend an account
//	POST   /admin/users/{id}/unban   lift the suspension
//	DELETE /admin/videos/{id}        take a video down
//	DELETE /admin/comments/{id}      take a comment down
//
// Every request must carry "Authorization: Bearer <admin_token>"; without a token configured
// every request is refused. The admin address is loopback by default, and the token keeps out
// whatever else runs on the machine (or, in a cluster, in the pod network).
func NewAdminHandler(token AdminToken, uc *biz.TakedownUsecase) http.Handler {
	mux := http.NewServeMux()
	route := func(pattern, action string, do func(ctx context.Context, op biz.Operator, id int64) (*biz.Outcome, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			reply := AdminReply{Action: action}
			id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			if err != nil {
				reply.Error, reply.Reason = "the id must be a number", "INVALID_PARAMETER"
				writeAdmin(w, http.StatusBadRequest, reply)
				return
			}
			reply.ID = id
			out, err := do(r.Context(), operator(r), id)
			if err != nil {
				e := errors.FromError(err)
				reply.Error, reply.Reason = e.Message, e.Reason
				writeAdmin(w, adminStatus(e), reply)
				return
			}
			reply.Changed, reply.Message = out.Changed, out.Message
			writeAdmin(w, http.StatusOK, reply)
		})
	}
	route("POST /admin/users/{id}/ban", "ban-user", func(ctx context.Context, op biz.Operator, id int64) (*biz.Outcome, error) {
		return uc.Ban(ctx, op, id, true)
	})
	route("POST /admin/users/{id}/unban", "unban-user", func(ctx context.Context, op biz.Operator, id int64) (*biz.Outcome, error) {
		return uc.Ban(ctx, op, id, false)
	})
	route("DELETE /admin/videos/{id}", "delete-video", uc.DeleteVideo)
	route("DELETE /admin/comments/{id}", "delete-comment", uc.DeleteComment)
	mux.HandleFunc(AdminPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeAdmin(w, http.StatusNotFound, AdminReply{Error: "no such admin action: " + r.Method + " " + r.URL.Path, Reason: "NOT_FOUND"})
	})
	return requireToken(token, mux)
}

// requireToken lets through the requests that carry token. The comparison takes the same time
// however much of a guess is right.
func requireToken(token AdminToken, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			writeAdmin(w, http.StatusForbidden, AdminReply{
				Error:  "admin actions are off on this gateway: give it admin_token (DOUYIN_ADMIN_TOKEN)",
				Reason: "ADMIN_DISABLED",
			})
			return
		}
		given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(given))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="douyin admin"`)
			writeAdmin(w, http.StatusUnauthorized, AdminReply{Error: "wrong or missing admin token", Reason: "UNAUTHENTICATED"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func operator(r *http.Request) biz.Operator {
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	return biz.Operator{Name: r.Header.Get(OperatorHeader), Client: client}
}

// adminStatus is the HTTP status of a refusal or failure: the code the error carries (404 for
// an unknown id, 400 for bad input, 503 for an app that is away).
func adminStatus(e *errors.Error) int {
	if e.Code >= 400 && e.Code <= 599 {
		return int(e.Code)
	}
	return http.StatusInternalServerError
}

func writeAdmin(w http.ResponseWriter, status int, reply AdminReply) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(reply)
}
