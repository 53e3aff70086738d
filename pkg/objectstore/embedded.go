package objectstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/transport"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/spf13/afero"

	"github.com/douyin-kratos/douyin/pkg/inprocess"
)

var _ transport.Server = (*Embedded)(nil)

// Embedded is an S3 server keeping objects on disk under a directory. The all-in-one runs it
// instead of MinIO so that Store talks S3 in both deployments. It checks no credentials and
// answers any origin's browser requests (gofakes3 allows every CORS origin, PUT and DELETE
// included), so it must answer nobody but its own process: NewEmbedded listens on an in-process
// address (pkg/inprocess), which Open dials through memory.
//
// Layout under the directory (gofakes3's s3afero multi-bucket backend): buckets/<bucket>/<key>
// holds the bytes, metadata/<bucket>/... a JSON file per object with its Content-Type,
// Last-Modified and MD5; both survive a restart.
//
// The backend holds one lock for the whole of a PUT's body copy, so an upload stalls every other
// request to this server until its bytes are on disk: feed Put from a local file, not from a
// slow client connection. A PUT that fails midway leaves its partial bytes under the key, where
// S3 would leave nothing: give each upload a fresh key and delete it when the upload fails. A
// process killed during a PUT leaves bytes without metadata, which make every listing of the
// bucket fail: the server removes such objects when it starts.
type Embedded struct {
	ln  net.Listener
	srv *http.Server
}

// NewEmbedded prepares a server over dir, creating it if needed, on an in-process address, so
// Endpoint is known before Start; it starts no goroutine.
func NewEmbedded(dir string) (*Embedded, error) {
	return newEmbedded(dir, func() (net.Listener, error) { return inprocess.Listen(inprocess.Address("s3")) })
}

// NewEmbeddedOnLoopback is NewEmbedded on a loopback TCP port the kernel picks, for a server other
// processes must reach, such as the stand-in for MinIO of deploy/localcluster. Every local
// process can reach it.
func NewEmbeddedOnLoopback(dir string) (*Embedded, error) {
	return NewEmbeddedOn(dir, "127.0.0.1:0")
}

// NewEmbeddedOn is NewEmbedded on the TCP address addr ("127.0.0.1:9000"; port 0: the kernel
// picks one). It checks no credentials: every process that reaches addr may read and write.
func NewEmbeddedOn(dir, addr string) (*Embedded, error) {
	return newEmbedded(dir, func() (net.Listener, error) { return net.Listen("tcp", addr) })
}

func newEmbedded(dir string, listen func() (net.Listener, error)) (*Embedded, error) {
	if dir == "" {
		return nil, errors.New("embedded object store: empty directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded object store: create %s: %w", dir, err)
	}
	if err := removeUnfinished(dir); err != nil {
		return nil, fmt.Errorf("embedded object store over %s: %w", dir, err)
	}
	backend, err := s3afero.MultiBucket(afero.NewBasePathFs(afero.NewOsFs(), dir))
	if err != nil {
		return nil, fmt.Errorf("embedded object store over %s: %w", dir, err)
	}
	faker := gofakes3.New(backend,
		// Errors reach the client as S3 error responses and are logged there, once.
		gofakes3.WithLogger(gofakes3.DiscardLog()),
	)
	ln, err := listen()
	if err != nil {
		return nil, fmt.Errorf("embedded object store: listen: %w", err)
	}
	return &Embedded{
		ln: ln,
		srv: &http.Server{
			Handler:           faker.Server(),
			ReadHeaderTimeout: 10 * time.Second,
		},
	}, nil
}

// Endpoint is the "host:port" address to put in confv1.Storage.Endpoint.
func (e *Embedded) Endpoint() string {
	return e.ln.Addr().String()
}

// Start serves until Stop, like Kratos' own servers.
func (e *Embedded) Start(context.Context) error {
	if err := e.srv.Serve(e.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("embedded object store: %w", err)
	}
	return nil
}

// Stop lets requests in flight finish until ctx ends, then closes the listener.
func (e *Embedded) Stop(ctx context.Context) error {
	err := e.srv.Shutdown(ctx)
	// Shutdown only closes listeners Serve has taken over; without this, a server stopped
	// before it started would keep its port.
	_ = e.ln.Close()
	return err
}

// removeUnfinished deletes the objects under dir whose PUT never finished: gofakes3 writes an
// object's metadata only once all its bytes are on disk, so bytes without metadata are the
// remains of a PUT the process did not live through. Nobody was ever told they were stored.
func removeUnfinished(dir string) error {
	buckets := filepath.Join(dir, "buckets")
	err := filepath.WalkDir(buckets, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(buckets, path)
		if err != nil {
			return err
		}
		bucket, key, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if _, err := os.Stat(filepath.Join(dir, "metadata", bucket, metadataName(key))); errors.Is(err, fs.ErrNotExist) {
			return os.Remove(path)
		} else if err != nil {
			return err
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new store: nothing yet
	}
	return err
}

// metadataName is the file s3afero (gofakes3 v1.2.0) keeps an object's metadata in, under
// metadata/<bucket>/: the key with its slashes replaced, and an FNV-128a hash of it.
func metadataName(key string) string {
	h := fnv.New128a()
	h.Write([]byte(key))
	flat := strings.NewReplacer("/", "_", "\\", "_").Replace(key)
	return flat + "-" + hex.EncodeToString(h.Sum(nil))
}
