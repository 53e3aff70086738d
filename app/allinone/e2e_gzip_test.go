package allinone_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// The app's HTTP client (OkHttp) asks for gzip on every request. A list larger than a packet
// then comes compressed, and is, once inflated, the very JSON a client that did not ask gets.
// (The other tests' client asks too, and inflates transparently: this one looks at the wire.)
func TestListsComeCompressedToClientsThatAskForIt(t *testing.T) {
	s := startServer(t, t.TempDir())
	star, _ := s.register(t, "star")
	for i := range 12 {
		_, token := s.register(t, fmt.Sprintf("fan%d", i))
		s.post(t, relationActionPath, followAction(token, star, true))
	}
	_, viewer := s.register(t, "viewer")
	query := url.Values{"token": {viewer}, "user_id": {itoa(star)}}

	// Set by hand, Accept-Encoding makes the transport hand over the body as it came.
	fetchRaw := func(acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		return fetch(t, s.baseURL+"/douyin/relation/follower/list/?"+query.Encode(), map[string]string{"Accept-Encoding": acceptEncoding})
	}

	plainResp, plain := fetchRaw("identity")
	if enc := plainResp.Header.Get("Content-Encoding"); enc != "" {
		t.Fatalf("Content-Encoding %q for a client that did not ask for gzip", enc)
	}
	if n := len(userObjects(t, plain)); n != 12 {
		t.Fatalf("%d followers in %s; want 12", n, plain)
	}
	for range 2 { // the first request compresses the kept answer, the second reuses it
		resp, zipped := fetchRaw("gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("Content-Encoding %q, Vary %q for a list of %d bytes; want gzip and Accept-Encoding",
				resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), len(plain))
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		inflated, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(inflated, plain) {
			t.Fatalf("inflated answer\n%s\nwant the plain one\n%s", inflated, plain)
		}
		if len(zipped) >= len(plain)/2 {
			t.Errorf("gzip answer of %d bytes for %d of JSON", len(zipped), len(plain))
		}
	}
}
