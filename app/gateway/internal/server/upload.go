package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	khttp "github.com/go-kratos/kratos/v2/transport/http"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/clientip"
)

// uploadOverhead is how far an upload's body may go past the file's size limit: room for the
// multipart framing, the token and the title (each field at most a few KB).
const uploadOverhead = 64 << 10

var (
	errClientUploadsBusy = apierror.New(gatewayv1.ErrorReason_UPLOADS_BUSY,
		"you are already uploading as many videos as you may at once: try again when one has finished")
	errUploadsBusy = apierror.New(gatewayv1.ErrorReason_UPLOADS_BUSY,
		"the server is busy receiving other uploads: please try again in a minute")
)

// handlePublish streams a multipart upload into api.PublishUpload, defending the server against
// what a client may send:
//   - the body is capped from its first byte a little above the size limit, and a body that
//     announces more (Content-Length) is refused before it is read;
//   - each client address has a few uploads in progress at most, and the server a few more, past
//     which an upload is refused at once, nothing read and nothing written (see uploadSlots);
//   - the upload gets its own deadlines (upload_timeout), in place of the server's read and write
//     timeouts, which are sized for API calls, and the request's context ends with them;
//   - a refusal that leaves the body unread closes the connection, rather than letting net/http
//     read on through up to 256 KB of it to keep the connection for another request.
func handlePublish(api API, limits routeLimits) khttp.HandlerFunc {
	slots := newUploadSlots(limits.maxUploadsPerClient, limits.maxUploads)
	bodyLimit := int64(0)
	if limits.maxUpload > 0 {
		bodyLimit = limits.maxUpload + uploadOverhead
	}
	tooLarge := apierror.New(gatewayv1.ErrorReason_TOO_LARGE, "the video is larger than the %s limit", apierror.Bytes(limits.maxUpload))
	return func(c khttp.Context) error {
		r := c.Request()
		body := &bodyEnd{ReadCloser: r.Body}
		r.Body = body
		next := c.Middleware(func(ctx context.Context, _ any) (any, error) {
			if bodyLimit > 0 && r.ContentLength > bodyLimit {
				return nil, tooLarge
			}
			release, err := slots.acquire(clientip.Key(clientip.FromContext(ctx)))
			if err != nil {
				return nil, err
			}
			defer release()

			deadline := time.Now().Add(limits.uploadTimeout)
			rc := http.NewResponseController(c.Response())
			// Not supported (a test's recorder): then there is no server deadline to extend.
			_ = rc.SetReadDeadline(deadline)
			_ = rc.SetWriteDeadline(deadline)
			ctx, cancel := context.WithDeadline(ctx, deadline)
			defer cancel()

			// Before the multipart reader takes the body: it must read through the cap too.
			if bodyLimit > 0 {
				r.Body = http.MaxBytesReader(c.Response(), r.Body, bodyLimit)
			}
			form, err := r.MultipartReader()
			if err != nil {
				return api.PublishAction(ctx, &gatewayv1.PublishActionRequest{}) // its refusal of a body that is not multipart
			}
			reply, err := api.PublishUpload(ctx, r.URL.Query(), form)
			if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
				return nil, tooLarge
			}
			return reply, err
		})
		reply, err := next(c, nil)
		if err != nil && !body.reached {
			c.Response().Header().Set("Connection", "close")
		}
		return writeReply[*gatewayv1.PublishActionResponse](r, c.Response(), reply, nil, err)
	}
}

// bodyEnd notes whether a request body was read to its end.
type bodyEnd struct {
	io.ReadCloser
	reached bool
}

func (b *bodyEnd) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.reached = true
	}
	return n, err
}

// uploadSlots counts the uploads being received, per client (clientip.Key) and in all. An upload
// holds its slot from its first byte until it has been answered: received, checked and stored,
// or refused. Holding the disk and the media tools is what uploads cost, so that is what is
// bounded; waiting for a slot would only hold the connection as well.
type uploadSlots struct {
	mu           sync.Mutex
	perClient    map[string]int
	total        int
	maxPerClient int // 0: no bound
	max          int // 0: no bound
}

func newUploadSlots(maxPerClient, max int32) *uploadSlots {
	return &uploadSlots{perClient: map[string]int{}, maxPerClient: int(maxPerClient), max: int(max)}
}

// acquire takes a slot for client, or refuses with UPLOADS_BUSY. release gives it back, once.
func (s *uploadSlots) acquire(client string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.maxPerClient > 0 && s.perClient[client] >= s.maxPerClient:
		return nil, errClientUploadsBusy
	case s.max > 0 && s.total >= s.max:
		return nil, errUploadsBusy
	}
	s.perClient[client]++
	s.total++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.total--
		if s.perClient[client]--; s.perClient[client] == 0 {
			delete(s.perClient, client)
		}
	}, nil
}
