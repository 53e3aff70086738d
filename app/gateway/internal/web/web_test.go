package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// mux is the two methods of the gateway's server the site uses, on a plain ServeMux.
type mux struct{ *http.ServeMux }

func (m mux) HandlePrefix(prefix string, h http.Handler) { m.Handle(prefix, h) }

// HandleFunc registers an exact path, as the gateway's router does ("/" alone is "/{$}").
func (m mux) HandleFunc(path string, h http.HandlerFunc) {
	if path == "/" {
		path = "/{$}"
	}
	m.ServeMux.HandleFunc(path, h)
}

func newTestSite(t *testing.T, s Settings) *httptest.Server {
	t.Helper()
	m := mux{http.NewServeMux()}
	New(s).Register(m)
	ts := httptest.NewServer(m)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// The transport would ask for gzip itself and hide that it did.
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestIndexPointsAtHashedAssetsAndIsNeverCached(t *testing.T) {
	ts := newTestSite(t, Settings{MediaOrigins: []string{"http://media.example:9000"}})
	resp, body := get(t, ts.URL+"/")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET /: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';", "media-src 'self' http://media.example:9000;", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}
	m := regexp.MustCompile(`src="(/assets/[0-9a-f]{16})/js/app.js"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("index does not load the hashed app.js:\n%s", body)
	}
	base := string(m[1])
	resp, js := get(t, ts.URL+base+"/js/app.js")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || !bytes.Contains(js, []byte("import")) {
		t.Fatalf("app.js: %d %v", resp.StatusCode, resp.Header)
	}
	// Another build's hash, or a file that is not there: 404, never cached.
	for _, p := range []string{"/assets/0123456789abcdef/js/app.js", base + "/js/nope.js", base + "/../pages/index.html"} {
		if resp, _ := get(t, ts.URL+p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestCompressedForClientsThatAcceptIt(t *testing.T) {
	ts := newTestSite(t, Settings{})
	site := New(Settings{})
	url := ts.URL + site.AssetsPath() + "/vendor/swagger-ui/swagger-ui-bundle.js"
	plainResp, plain := get(t, url)
	resp, zipped := get(t, url, "Accept-Encoding", "br, gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain) || plainResp.Header.Get("Content-Encoding") != "" {
		t.Fatal("the gzip answer is not the plain one compressed")
	}
	if len(zipped) > len(plain)/3 {
		t.Errorf("gzip %d bytes of %d", len(zipped), len(plain))
	}
	if resp, _ := get(t, url, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	// A revalidation of a page answers 304.
	resp, _ = get(t, ts.URL+"/docs")
	if resp, _ := get(t, ts.URL+"/docs", "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
}

func TestOpenAPIAndDocs(t *testing.T) {
	ts := newTestSite(t, Settings{OpenAPI: []byte("openapi: 3.0.3\n")})
	resp, body := get(t, ts.URL+"/openapi.yaml")
	if string(body) != "openapi: 3.0.3\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("/openapi.yaml: %q %v", body, resp.Header)
	}
	resp, body = get(t, ts.URL+"/docs")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("/vendor/swagger-ui/swagger-ui-bundle.js")) {
		t.Fatalf("/docs: %d\n%s", resp.StatusCode, body)
	}
}

func TestURLs(t *testing.T) {
	if local, lan := URLs("127.0.0.1:8080"); local != "http://127.0.0.1:8080/" || lan != nil {
		t.Errorf("loopback: %q %v", local, lan)
	}
	local, lan := URLs("[::]:8080")
	if local != "http://localhost:8080/" {
		t.Errorf("wildcard: %q", local)
	}
	for _, u := range lan {
		if !regexp.MustCompile(`^http://\d+\.\d+\.\d+\.\d+:8080/$`).MatchString(u) || strings.HasPrefix(u, "http://127.") {
			t.Errorf("LAN URL %q", u)
		}
	}
}

// The client writes what users wrote (names, titles, comments, messages) as text only: no
// file of it may parse strings as markup or code, whatever the string.
func TestClientNeverParsesStringsAsMarkup(t *testing.T) {
	scripts, err := fs.Glob(files, "static/js/*.js")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	banned := []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('style'", "srcdoc"}
	for _, name := range scripts {
		src, _ := files.ReadFile(name)
		for _, b := range banned {
			if bytes.Contains(src, []byte(b)) {
				t.Errorf("%s uses %s", name, b)
			}
		}
	}
}
