// Package objectstore keeps uploaded videos and covers in one bucket of an S3-compatible store.
// The distributed deployment points it at MinIO; the all-in-one starts an Embedded S3 server that
// answers only inside the process, so the same minio-go code path runs in both.
package objectstore

import (
	"context"
	"errors"
	"fmt"
	"io"
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
		return nil, errors.New("object store: storage.endpoint is empty")
	}
	if bucket == "" {
		return nil, fmt.Errorf("object store %s: storage.bucket is empty", endpoint)
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
			return nil, fmt.Errorf("object store %s: %w", endpoint, err)
		}
		// A proxy from the environment would carry the requests out of the process.
		transport.Proxy = nil
		transport.DialContext = inprocess.Dial
		opts.Transport = transport
		dial = inprocess.Dial
	}
	client, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", endpoint, err)
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

// Handler serves GET and HEAD of objects at URL paths prefix+key, for the all-in-one, where the
// process serves its own objects instead of a public MinIO bucket. Range requests get 206 so
// video players can seek; the body is streamed from the store, never held in memory.
func (s *Store) Handler(prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		key, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok || !validKey(key) {
			http.NotFound(w, r)
			return
		}
		obj, err := s.client.GetObject(r.Context(), s.bucket, key, minio.GetObjectOptions{})
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
		h := w.Header()
		// Setting the type stops ServeContent from sniffing, which would cost a ranged read.
		ct := info.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		if info.ETag != "" {
			h.Set("ETag", `"`+info.ETag+`"`)
		}
		http.ServeContent(w, r, "", info.LastModified, obj)
	})
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
