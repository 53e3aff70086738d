// Package server is the gateway's HTTP server: the Douyin routes and the rules every one of them
// follows (paths with or without the trailing slash, parameters from the query then the form,
// HTTP 200 with the status envelope, the app's JSON), applied once here rather than per handler.
package server

import (
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"github.com/google/wire"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/encoded"
	"github.com/douyin-kratos/douyin/app/gateway/internal/web"
	"github.com/douyin-kratos/douyin/pkg/accesslog"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/clientip"
	"github.com/douyin-kratos/douyin/pkg/connlimit"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// ProviderSet provides the servers of this package.
var ProviderSet = wire.NewSet(NewHTTPServer, NewAdminHandler)

// API is the Douyin API with the one method that does not fit a generated signature: an
// upload, whose multipart body is streamed rather than decoded into a message.
type API interface {
	gatewayv1.DouyinServer
	PublishUpload(ctx context.Context, query url.Values, form *multipart.Reader) (*gatewayv1.PublishActionResponse, error)
}

// Settings are what the public server reads of the configuration, gathered at the app's edge.
type Settings struct {
	// Addr is http_addr.
	Addr string
	HTTP *confv1.HTTP
	// MaxUploadBytes is video.max_upload_bytes: a body past it is refused before it is read.
	MaxUploadBytes int64
	// AccessLog is which requests the access log writes (log.access_sample and
	// log.access_per_second).
	AccessLog accesslog.Sampling
	// Middleware is the chain every app's servers run (bootstrap.ServerMiddleware), built from
	// the tracing settings.
	Middleware []middleware.Middleware
	// Web is the browser client, the API reference and the OpenAPI document; nil when
	// web.enabled is off.
	Web *web.Site
}

// NewHTTPServer serves the Douyin API on settings.Addr, the stored objects under /objects/
// when objects is not nil, and the web client when settings.Web is not nil. (Health, readiness
// and metrics are on the admin address.)
func NewHTTPServer(settings Settings, api API, objects *objectstore.Store, logger log.Logger) (*khttp.Server, func(), error) {
	cfg := settings.HTTP
	clients, err := clientip.NewResolver(cfg.GetTrustedProxies())
	if err != nil {
		return nil, nil, fmt.Errorf("http.trusted_proxies: %w", err)
	}
	// Bound before the server starts, so that every connection passes the cap.
	ln, conns, closeListener, err := bootstrap.ListenLimited("public http", settings.Addr, cfg.GetMaxConnections(), false, logger)
	if err != nil {
		return nil, nil, err
	}
	srv := khttp.NewServer(
		khttp.Address(settings.Addr),
		khttp.Listener(ln),
		// No server-wide deadline: each route sets its own, and an upload needs far longer
		// than the rest (see routes.go).
		khttp.Timeout(0),
		khttp.Middleware(append(slices.Clip(settings.Middleware), traceForAccessLog)...),
		// Kratos registers routes through path.Join, which drops the trailing slash the app
		// sends, and StrictSlash would answer it with a redirect that breaks POSTs. Trimming the
		// slash before routing makes both spellings reach the same handler.
		khttp.StrictSlash(false),
		// Outermost first: the access log sees the client address and the trimmed path.
		khttp.Filter(trimTrailingSlash, withClientAddr(clients),
			accesslog.Filter(logger, settings.AccessLog, func(r *http.Request) netip.Addr { return clientip.FromContext(r.Context()) })),
		khttp.NotFoundHandler(http.HandlerFunc(notFound)),
		khttp.MethodNotAllowedHandler(http.HandlerFunc(methodNotAllowed)),
	)
	conns.Apply(srv.Server, connlimit.Timeouts{
		ReadHeader: cfg.GetReadHeaderTimeout().AsDuration(),
		Read:       cfg.GetReadTimeout().AsDuration(),
		Write:      cfg.GetWriteTimeout().AsDuration(),
		Idle:       cfg.GetIdleTimeout().AsDuration(),
	})
	// The API's requests carry a token and a few short parameters; Go's default allows 1 MB
	// of headers per request.
	srv.MaxHeaderBytes = maxHeaderBytes
	registerRoutes(srv.Route("/"), api, routeLimits{
		timeout:             cfg.GetTimeout().AsDuration(),
		uploadTimeout:       cfg.GetUploadTimeout().AsDuration(),
		maxUpload:           settings.MaxUploadBytes,
		maxUploadsPerClient: cfg.GetMaxUploadsPerClient(),
		maxUploads:          cfg.GetMaxUploads(),
	})
	registerStatic(srv)
	if objects != nil {
		srv.HandlePrefix(objectstore.ServePath, objects.Handler(objectstore.ServePath,
			objectstore.WithDownloadTimeout(cfg.GetDownloadTimeout().AsDuration())))
	}
	if settings.Web != nil {
		settings.Web.Register(srv)
		logWebURLs(log.NewHelper(logger), ln.Addr().String())
	}
	return srv, closeListener, nil
}

// logWebURLs tells whoever started the server where to point a browser: the machine's own
// address and, listening on every interface, those a phone on the same network can open.
func logWebURLs(helper *log.Helper, addr string) {
	local, lan := web.URLs(addr)
	if local == "" {
		return
	}
	helper.Infow("msg", "web client: open it in a browser", "url", local)
	for _, u := range lan {
		helper.Infow("msg", "web client from a phone on the same network", "url", u)
	}
}

// traceForAccessLog hands the request's trace id, known once the tracing middleware ran, to
// the access log.
func traceForAccessLog(next middleware.Handler) middleware.Handler {
	return func(ctx context.Context, req any) (any, error) {
		if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
			accesslog.SetTraceID(ctx, sc.TraceID().String())
		}
		return next(ctx, req)
	}
}

// maxHeaderBytes bounds a request's line and headers: a comment of 500 characters sent in the
// query, percent-encoded, stays well under it.
const maxHeaderBytes = 64 << 10

// withClientAddr puts the request's client address (see clientip) in its context, where the
// throttles and the access log find it.
func withClientAddr(clients *clientip.Resolver) khttp.FilterFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(clientip.NewContext(r.Context(), clients.Resolve(r))))
		})
	}
}

func trimTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.RawPath != "" {
				r.URL.RawPath = strings.TrimRight(r.URL.RawPath, "/")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// handle adapts one API method to a route: decode the parameters into a fresh request, run the
// server middleware and the method, and always answer with the method's response message, its
// status fields filled in on failure so the app finds every key it reads.
func handle[Req any, PReq interface {
	*Req
	proto.Message
}, Resp proto.Message](timeout time.Duration, call func(context.Context, PReq) (Resp, error)) khttp.HandlerFunc {
	return func(c khttp.Context) error {
		req := PReq(new(Req))
		var (
			reply any
			err   = decodeParams(c.Request(), req.ProtoReflect())
		)
		ctx, kept := encoded.WithSlot(c)
		if err != nil {
			err = apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "%s", err.Error())
		} else {
			next := c.Middleware(func(ctx context.Context, in any) (any, error) {
				ctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				return call(ctx, in.(PReq))
			})
			reply, err = next(ctx, req)
		}
		return writeReply[Resp](c.Request(), c.Response(), reply, kept.Body(), err)
	}
}

// writeReply answers r with reply, or with err inside an empty Resp. A reply that is a kept
// answer comes with its body (see encoded): encoded by the first request that writes it, and
// only written by the rest; gzip-compressed, also once, for clients that accept it (the
// Android app's HTTP client asks for it on every request) when it is larger than a packet.
func writeReply[Resp proto.Message](r *http.Request, w http.ResponseWriter, reply any, body *encoded.Body, err error) error {
	if err != nil {
		var zero Resp
		return writeFailure(r.Context(), w, http.StatusOK, zero.ProtoReflect().Type().New(), err)
	}
	if body == nil {
		return writeMessage(w, http.StatusOK, reply.(Resp).ProtoReflect())
	}
	json := body.JSON()
	if json == nil {
		var encErr error
		if json, encErr = appendJSON(nil, reply.(Resp).ProtoReflect()); encErr != nil {
			return writeMessage(w, http.StatusOK, reply.(Resp).ProtoReflect()) // says what failed
		}
		body.Keep(json)
	}
	if len(json) < minGzipped {
		writeJSON(w, http.StatusOK, json)
		return nil
	}
	w.Header().Set("Vary", "Accept-Encoding")
	if web.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Encoding", "gzip")
		writeJSON(w, http.StatusOK, body.Gzipped())
		return nil
	}
	writeJSON(w, http.StatusOK, json)
	return nil
}

// minGzipped is the smallest kept answer sent compressed: a smaller one fits in one packet
// anyway.
const minGzipped = 1400

// buffers recycles response buffers: a feed page is about 20 KB, and allocating that for
// every request is a large share of the garbage the gateway makes.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// maxPooledBuffer keeps a rare huge answer from pinning its buffer in the pool.
const maxPooledBuffer = 1 << 20

// encodingFailure is the answer when a message cannot be encoded: a bug, but still an answer
// the app can read.
var encodingFailure = []byte(`{"status_code":500,"status_msg":"internal error, please try again later"}`)

// writeMessage answers with m as JSON. It never returns an error to Kratos, whose error encoder
// would write a second answer: a client that hung up has nobody left to tell.
func writeMessage(w http.ResponseWriter, status int, m protoreflect.Message) error {
	buf := buffers.Get().(*[]byte)
	body, err := appendJSON((*buf)[:0], m)
	defer func() {
		if cap(body) <= maxPooledBuffer {
			*buf = body[:0]
			buffers.Put(buf)
		}
	}()
	if err != nil {
		log.Errorf("encode %s: %v", m.Descriptor().FullName(), err)
		body, status = append(body[:0], encodingFailure...), http.StatusInternalServerError
	}
	writeJSON(w, status, body)
	return nil
}

// writeJSON answers with body, a JSON document.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// Without a length, net/http sends bodies over 2 KB (a page of videos or comments) chunked,
	// in more writes.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeFailure answers err inside the response message resp. The server middleware has made
// every error one with a reason and a message written for people; an error without one (a bug)
// still gets a readable answer.
func writeFailure(ctx context.Context, w http.ResponseWriter, status int, resp protoreflect.Message, err error) error {
	e := errors.FromError(err)
	code, msg := e.Code, e.Message
	if e.Reason == "" || code == 0 || code == 200 {
		code, msg = errors.UnknownCode, "internal error, please try again later"
	}
	accesslog.SetStatusCode(ctx, code)
	fields := resp.Descriptor().Fields()
	resp.Set(fields.ByName("status_code"), protoreflect.ValueOfInt32(int32(code)))
	resp.Set(fields.ByName("status_msg"), protoreflect.ValueOfString(msg))
	return writeMessage(w, status, resp)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	_ = writeEnvelope(w, http.StatusNotFound, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", shortPath(r.URL.Path)))
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	_ = writeEnvelope(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed,
		fmt.Sprintf("%s does not accept %s", shortPath(r.URL.Path), r.Method))
}

// maxEchoedPath bounds how much of a request's path an answer repeats: enough to recognise a
// typo, while a client sending a path of many kilobytes does not get it back.
const maxEchoedPath = 128

func shortPath(p string) string {
	if len(p) <= maxEchoedPath {
		return p
	}
	cut := maxEchoedPath
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…"
}

// writeEnvelope answers a request that reached no API method with only the status fields.
func writeEnvelope(w http.ResponseWriter, httpStatus, code int, msg string) error {
	resp := (&gatewayv1.PublishActionResponse{StatusCode: int32(code), StatusMsg: msg}).ProtoReflect()
	return writeMessage(w, httpStatus, resp)
}
