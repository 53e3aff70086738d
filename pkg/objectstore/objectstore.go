// Package objectstore keeps uploaded videos and covers in one bucket of an S3-compatible store.
// The distributed deployment points it at MinIO; the all-in-one starts an Embedded S3 server that
// answers only inside the process, so the same minio-go code path runs in both.
package objectstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/inprocess"
)

// checkTimeout bounds the reachability check in Open. minio-go retries refused connections with
// backoff, which rides out a MinIO that is still starting, but a wrong endpoint must still fail
// the process start promptly. A variable so tests can shorten it.
var checkTimeout = 10 * time.Second

// ServePath is where the gateway serves objects when the phone does not fetch them from the
// store directly (no storage.public_url): object URLs are ServePath + key then.
const ServePath = "/objects/"

// Store is one bucket of an S3-compatible object store.
type Store struct {
	client   *minio.Client
	bucket   string
	endpoint string
}

// Open connects to cfg.Endpoint and makes sure cfg.Bucket exists, creating it if missing.
func Open(ctx context.Context, cfg *confv1.Storage) (*Store, error) {
	endpoint, bucket := cfg.GetEndpoint(), cfg.GetBucket()
	if endpoint == "" {
		// Only the all-in-one embeds a store; an app of its own must be told where one is.
		return nil, errors.New("object store: storage.endpoint (DOUYIN_STORAGE_ENDPOINT) is empty; " +
			"an app running on its own needs an S3 server such as MinIO, e.g. 127.0.0.1:9000")
	}
	client, dial, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{client: client, bucket: bucket, endpoint: endpoint}

	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	exists, err := client.BucketExists(cctx, bucket)
	if err != nil {
		return nil, s.unreachable(cctx, dial, err)
	}
	if exists {
		return s, nil
	}
	if err := client.MakeBucket(cctx, bucket, minio.MakeBucketOptions{Region: cfg.GetRegion()}); err != nil {
		// Several processes may start at once against a fresh MinIO and race to create the
		// bucket; losing that race is fine as long as the bucket is there afterwards.
		if ok, err2 := client.BucketExists(cctx, bucket); err2 != nil || !ok {
			return nil, fmt.Errorf("object store %s: create bucket %q: %w", endpoint, bucket, err)
		}
	}
	return s, nil
}

// newClient is a minio-go client for cfg's endpoint, with the dialer that reaches it (an
// in-process pipe for the all-in-one's Embedded store).
func newClient(cfg *confv1.Storage) (*minio.Client, func(ctx context.Context, network, address string) (net.Conn, error), error) {
	endpoint, bucket := cfg.GetEndpoint(), cfg.GetBucket()
	if bucket == "" {
		return nil, nil, fmt.Errorf("object store %s: storage.bucket (DOUYIN_STORAGE_BUCKET) is empty", endpoint)
	}
	opts := &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.GetAccessKey(), cfg.GetSecretKey(), ""),
		Secure: cfg.GetUseSsl(),
		// A configured region also spares minio-go a GetBucketLocation round trip per bucket.
		Region: cfg.GetRegion(),
	}
	dial := (&net.Dialer{}).DialContext
	if inprocess.Is(endpoint) {
		// An Embedded store in this process: minio-go's own transport, dialing its pipe.
		transport, err := minio.DefaultTransport(cfg.GetUseSsl())
		if err != nil {
			return nil, nil, fmt.Errorf("object store %s: %w", endpoint, err)
		}
		// A proxy from the environment would carry the requests out of the process.
		transport.Proxy = nil
		transport.DialContext = inprocess.Dial
		opts.Transport = transport
		dial = inprocess.Dial
	}
	client, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("object store %s: %w", endpoint, err)
	}
	return client, dial, nil
}

// Requirer is told what a process cannot do its work without (bootstrap.Readiness).
type Requirer interface {
	Require(name string, check func(context.Context) error)
}

// RequireReachable makes the process not ready while the store at cfg.Endpoint does not answer
// or has no bucket cfg.Bucket: an app that stores or serves videos cannot do its work then, and
// Open checked only once, at start. One probe serves every app of a process.
func RequireReachable(ready Requirer, cfg *confv1.Storage) error {
	client, dial, err := newClient(cfg)
	if err != nil {
		return err
	}
	endpoint, bucket := cfg.GetEndpoint(), cfg.GetBucket()
	ready.Require("object store", func(ctx context.Context) error {
		// A plain dial first: minio-go retries a refused connection until the deadline and then
		// reports only the deadline, not that nothing listens at the endpoint.
		conn, err := dial(ctx, "tcp", endpoint)
		if err != nil {
			return fmt.Errorf("%s: %w", endpoint, err)
		}
		conn.Close()
		exists, err := client.BucketExists(ctx, bucket)
		switch {
		case err != nil:
			return fmt.Errorf("%s: bucket %q: %w", endpoint, bucket, err)
		case !exists:
			return fmt.Errorf("%s: bucket %q does not exist", endpoint, bucket)
		}
		return nil
	})
	return nil
}

// unreachable names the endpoint. When the check ran out of time minio-go reports only the
// context's deadline, so one plain dial recovers the cause ("connection refused", "no such host").
func (s *Store) unreachable(ctx context.Context, dial func(ctx context.Context, network, address string) (net.Conn, error), err error) error {
	if ctx.Err() != nil {
		dialCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if conn, dialErr := dial(dialCtx, "tcp", s.endpoint); dialErr != nil {
			err = dialErr
		} else {
			conn.Close()
		}
		return fmt.Errorf("object store %s unreachable (tried for %s): %w", s.endpoint, checkTimeout, err)
	}
	return fmt.Errorf("object store %s: check bucket %q: %w", s.endpoint, s.bucket, err)
}

// Put stores size bytes read from r under key with the given Content-Type.
//
// It streams: one PUT whose body is read from r in 64 KiB signed chunks. Multipart is disabled
// because minio-go buffers each part (at least 16 MiB) in memory for readers it cannot ReadAt,
// and the embedded server keeps multipart parts in memory until the upload completes; one PUT
// takes up to 5 GiB on S3, far above any upload limit here. When r is an *os.File minio-go
// reads it through an io.SectionReader, which also lets it retry the PUT from the start.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if !validKey(key) {
		return fmt.Errorf("object store: invalid key %q", key)
	}
	if size < 0 {
		return fmt.Errorf("object store: put %q: size must be known, got %d", key, size)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType:      contentType,
		DisableMultipart: true,
	})
	if err != nil {
		return fmt.Errorf("object store %s: put %q: %w", s.endpoint, key, err)
	}
	return nil
}

// Delete removes key. Deleting a missing key succeeds, so a retried cleanup is harmless.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return fmt.Errorf("object store: invalid key %q", key)
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("object store %s: delete %q: %w", s.endpoint, key, err)
	}
	return nil
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// List yields the objects whose keys start with prefix, in key order, and stops at the first
// error, which it yields. It pages through the bucket as it goes, so any number of objects
// costs no more memory than a page.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		// Stopping early must also stop minio-go's listing requests.
		listCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		for obj := range s.client.ListObjectsIter(listCtx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if obj.Err != nil {
				yield(ObjectInfo{}, fmt.Errorf("object store %s: list %q: %w", s.endpoint, prefix, obj.Err))
				return
			}
			if !yield(ObjectInfo{Key: obj.Key, Size: obj.Size, LastModified: obj.LastModified}, nil) {
				return
			}
		}
		// minio-go ends a cancelled listing without a word: it must not pass for a complete one.
		if err := ctx.Err(); err != nil {
			yield(ObjectInfo{}, fmt.Errorf("object store %s: list %q: %w", s.endpoint, prefix, err))
		}
	}
}

// maxRanges is the most byte ranges a request may ask for at once. Every range of a
// multipart/byteranges answer is a request of its own to the store, so a Range header listing
// thousands of them costs thousands of requests; players ask for one.
const maxRanges = 8

// HandlerOption tunes Handler.
type HandlerOption func(*handler)

// WithDownloadTimeout gives every download d to finish, in place of the HTTP server's read
// and write timeouts, which are sized for API answers and would cut a video off mid-way. Until
// the deadline passes, a client that has stopped reading holds its connection.
func WithDownloadTimeout(d time.Duration) HandlerOption {
	return func(h *handler) { h.downloadTimeout = d }
}

type handler struct {
	store           *Store
	prefix          string
	downloadTimeout time.Duration
}

// Handler serves GET and HEAD of objects at URL paths prefix+key, for the all-in-one, where the
// process serves its own objects instead of a public MinIO bucket. Range requests get 206 so
// video players can seek; the body is streamed from the store, never held in memory.
//
// A request for more than maxRanges ranges is answered with the whole object (200), as a
// server that does not support multiple ranges would answer it: RFC 9110 lets a server ignore
// Range, every client copes with that, and the cost is that of a plain GET, which anyone may
// send anyway. (Refusing with 416 would be cheaper but tell a client that asked for data it
// exists that it asked for none that does.)
//
// Objects go out with the Content-Type they were stored with and nosniff, so a browser never
// takes an uploaded file for a page or a script.
func (s *Store) Handler(prefix string, opts ...HandlerOption) http.Handler {
	h := &handler{store: s, prefix: prefix}
	for _, o := range opts {
		o(h)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	key, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok || !validKey(key) {
		http.NotFound(w, r)
		return
	}
	if h.downloadTimeout > 0 {
		// Both deadlines: net/http cancels the request (and with it the read from the store)
		// when a read deadline passes, even while only the answer is being written.
		deadline := time.Now().Add(h.downloadTimeout)
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(deadline) // not supported (a test's recorder): nothing to extend
		_ = rc.SetWriteDeadline(deadline)
	}
	if ranges := r.Header.Get("Range"); strings.Count(ranges, ",") >= maxRanges {
		r.Header.Del("Range")
	}
	obj, err := h.store.client.GetObject(r.Context(), h.store.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		http.Error(w, "object store unavailable", http.StatusBadGateway)
		return
	}
	defer obj.Close()
	// Stat is a HEAD: it tells a missing key apart before any header is written, and gives
	// ServeContent the size, so the body GET starts only once the range is known.
	info, err := obj.Stat()
	if err != nil {
		if isNotFound(err) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "object store unavailable", http.StatusBadGateway)
		return
	}
	hdr := w.Header()
	// Setting the type stops ServeContent from sniffing, which would cost a ranged read.
	ct := info.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hdr.Set("Content-Type", ct)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if info.ETag != "" {
		hdr.Set("ETag", `"`+info.ETag+`"`)
	}
	http.ServeContent(w, r, "", info.LastModified, obj)
}

// validKey refuses keys that a file-backed store would resolve outside their place (".."),
// and empty or slash-mangled ones, which S3 and the embedded server would treat differently.
func validKey(key string) bool {
	if key == "" {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func isNotFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.StatusCode == http.StatusNotFound || resp.Code == minio.NoSuchKey
}
