// Package web is the browser client the gateway serves beside the API: the Douyin app as a page
// at "/" (plain ES modules and CSS, no build step), the API reference at "/docs" (a vendored
// swagger-ui) and the OpenAPI document at "/openapi.yaml", all embedded in the binary.
//
// The page speaks only the public /douyin/ API, exactly as the Android app does, so it is also a
// living check of that contract. Its assets are served under /assets/<hash>/, where hash is a
// digest of every embedded asset: a page always loads the assets it was written for, browsers
// keep them for a year, and a new build changes every URL at once. The two pages themselves are
// never cached. Text is sent gzip-compressed to clients that accept it, compressed once per file
// on first use.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed pages static
var files embed.FS

// AssetsPrefix is where the assets are served, followed by their hash.
const AssetsPrefix = "/assets/"

// Settings are what the site needs to know of the deployment.
type Settings struct {
	// MediaOrigins are origins ("http://host:port") other than the page's own that images and
	// videos may come from: those of public_url and storage.public_url, when set.
	MediaOrigins []string
	// OpenAPI is the document /openapi.yaml serves and /docs renders.
	OpenAPI []byte
}

// Site serves the web client, the API reference and the OpenAPI document.
type Site struct {
	hash   string
	assets map[string]*file // by path under static/
	index  *file
	docs   *file
	spec   *file
}

// file is one answer: its body, how it is cached, and its gzip form made on first use.
type file struct {
	body    []byte
	header  http.Header
	etag    string
	gzipped func() []byte // nil: sent as is (already compressed formats)
}

// New reads the embedded files.
func New(s Settings) *Site {
	site := &Site{assets: map[string]*file{}}
	digest := sha256.New()
	// WalkDir visits in lexical order, so the hash depends on the files alone.
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		digest.Write([]byte(name))
		digest.Write([]byte{0})
		digest.Write(body)
		site.assets[name] = newFile(body, contentType(name), "public, max-age=31536000, immutable")
		return nil
	})
	if err != nil {
		panic("web: embedded files: " + err.Error()) // the files are compiled in: a bug
	}
	site.hash = hex.EncodeToString(digest.Sum(nil))[:16]
	assets := AssetsPrefix + site.hash
	page := func(name, csp string) *file {
		body, err := files.ReadFile("pages/" + name)
		if err != nil {
			panic("web: embedded page: " + err.Error())
		}
		f := newFile(bytes.ReplaceAll(body, []byte("{{assets}}"), []byte(assets)), "text/html; charset=utf-8", "no-cache")
		f.header.Set("Content-Security-Policy", csp)
		f.header.Set("Referrer-Policy", "same-origin")
		return f
	}
	media := strings.Join(append([]string{"'self'"}, s.MediaOrigins...), " ")
	// The client: scripts and styles from this server only (no inline code anywhere), images
	// and videos from it or the configured public URLs, requests to it alone.
	site.index = page("index.html", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"img-src "+media+" data:; media-src "+media+"; connect-src 'self'; manifest-src 'self'; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	// swagger-ui sets style attributes as it renders; it still runs no inline script.
	site.docs = page("docs.html", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	site.spec = newFile(s.OpenAPI, "application/yaml; charset=utf-8", "no-cache")
	return site
}

func newFile(body []byte, ctype, cacheControl string) *file {
	sum := sha256.Sum256(body)
	f := &file{body: body, header: http.Header{}, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	f.header.Set("Content-Type", ctype)
	f.header.Set("Cache-Control", cacheControl)
	f.header.Set("X-Content-Type-Options", "nosniff")
	if compressible(ctype) {
		f.header.Set("Vary", "Accept-Encoding")
		f.gzipped = sync.OnceValue(func() []byte {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
			_, _ = zw.Write(body)                                    // writes to memory cannot fail
			_ = zw.Close()
			return buf.Bytes()
		})
	}
	return f
}

// Mux is where the site registers its paths: the gateway's HTTP server.
type Mux interface {
	HandleFunc(path string, h http.HandlerFunc)
	HandlePrefix(prefix string, h http.Handler)
}

// Register serves the site on mux: "/", "/docs", "/openapi.yaml" and the assets. Every other
// path, /douyin/... included, stays the API's.
func (s *Site) Register(mux Mux) {
	mux.HandleFunc("/", s.serve(s.index))
	mux.HandleFunc("/docs", s.serve(s.docs))
	mux.HandleFunc("/openapi.yaml", s.serve(s.spec))
	mux.HandlePrefix(AssetsPrefix, http.HandlerFunc(s.serveAsset))
}

// AssetsPath is the path under which the current assets are served ("/assets/<hash>").
func (s *Site) AssetsPath() string { return AssetsPrefix + s.hash }

func (s *Site) serve(f *file) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { write(w, r, f) }
}

// serveAsset answers /assets/<hash>/<name>. Another hash is a page of another build asking for
// its own assets: answering it with these, cached for a year, would break that page for good.
func (s *Site) serveAsset(w http.ResponseWriter, r *http.Request) {
	hash, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, AssetsPrefix), "/")
	f := s.assets[name]
	if hash != s.hash || f == nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	write(w, r, f)
}

func write(w http.ResponseWriter, r *http.Request, f *file) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	for k, v := range f.header {
		h[k] = v
	}
	h.Set("ETag", f.etag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gzipped != nil && AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		body = f.gzipped()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// AcceptsGzip reads Accept-Encoding; "gzip;q=0" refuses it.
func AcceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
}

func contentType(name string) string {
	if t, ok := types[path.Ext(name)]; ok {
		return t
	}
	return "text/plain; charset=utf-8" // LICENSE, VERSION and NOTICE of the vendored renderer
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || slices.Contains([]string{"image/svg+xml", "application/json"}, ctype) ||
		strings.HasPrefix(ctype, "application/yaml")
}

// Origin is the origin of a configured URL ("http://host:port"), or "" when it has none.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
