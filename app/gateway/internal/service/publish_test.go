package service

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
)

// tokens accepts "good" as user 7's token.
type tokens struct{}

func (tokens) Issue(int64) (string, error) { return "", errors.New("not in these tests") }
func (tokens) Verify(token string) (int64, time.Time, error) {
	if token == "good" {
		return 7, time.Unix(1_700_000_000, 0), nil
	}
	return 0, time.Time{}, errors.New("bad token")
}

// Account implements biz.AccountRepo: user 7's account accepts every token.
func (tokens) Account(_ context.Context, id int64) (*biz.Account, error) {
	if id != 7 {
		return nil, nil
	}
	return &biz.Account{}, nil
}

// unthrottled allows everything.
var unthrottled = biz.NewThrottle(&confv1.RateLimit{}, nil, nil, log.DefaultLogger)

// uploads records what reaches the video app.
type uploads struct {
	biz.VideoDirectory // only NewUpload is called
	opened             []*upload
}

func (u *uploads) NewUpload(context.Context) (biz.VideoUpload, error) {
	up := &upload{}
	u.opened = append(u.opened, up)
	return up, nil
}

type upload struct {
	bytes.Buffer
	author    int64
	title     string
	published bool
	aborted   bool
}

func (u *upload) Publish(author int64, title string) error {
	u.author, u.title, u.published = author, title, true
	return nil
}
func (u *upload) Abort() { u.aborted = true }

func newPublishService() (*DouyinService, *uploads) {
	videos := &uploads{}
	return NewDouyinService("", biz.NewAccountUsecase(nil, tokens{}, nil, tokens{}, unthrottled, log.DefaultLogger),
		biz.NewVideoUsecase(videos, nil, nil, unthrottled, log.DefaultLogger), nil, nil, nil, biz.Changes{}), videos
}

// part is a field of a multipart body; content is read only when the body reaches it.
type part struct {
	name    string
	content io.Reader
}

func field(name, value string) part { return part{name, strings.NewReader(value)} }

// form streams parts as a multipart body the way a client sends it, as it is read.
func form(parts ...part) *multipart.Reader {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			// The name as a client may send it, bytes and all.
			h := textproto.MIMEHeader{"Content-Disposition": {`form-data; name="` + p.name + `"`}}
			if p.name == "data" {
				h.Set("Content-Disposition", `form-data; name="data"; filename="v.mp4"`)
			}
			pw2, err := w.CreatePart(h)
			if err == nil {
				_, err = io.Copy(pw2, p.content)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	return multipart.NewReader(pr, w.Boundary())
}

// countingReader hands out n bytes and counts how many were taken. It is read by form's
// goroutine while the test reads taken, and it hands out at most a kilobyte at a time, so that
// the goroutine's own read-ahead (io.Copy asks for 32 KB) does not count as the server reading.
type countingReader struct {
	left  int
	taken atomic.Int64
	err   error // returned once the bytes are out; io.EOF if nil
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := min(len(p), r.left, 1<<10)
	r.left -= n
	r.taken.Add(int64(n))
	return n, nil
}

func TestPublishUpload(t *testing.T) {
	const file = 1 << 20
	tests := []struct {
		name     string
		query    url.Values
		parts    func(data *countingReader) []part
		want     string // the refusal's status_msg; "" publishes
		wantCode int32
		// read is whether the file may be read; opened whether it reached the video app, and
		// then it must be aborted unless published.
		read, opened bool
	}{
		{name: "file, token, title: published", parts: func(d *countingReader) []part {
			return []part{{"data", d}, field("token", "good"), field("title", " Sunset ")}
		}, read: true, opened: true},
		{name: "a bad token before the file: the file is never read", parts: func(d *countingReader) []part {
			return []part{field("token", "forged"), {"data", d}, field("title", "t")}
		}, wantCode: 401, want: "your login is invalid or has expired, please log in again"},
		{name: "a bad token in the query: the file is never read", query: url.Values{"token": {"forged"}},
			parts:    func(d *countingReader) []part { return []part{{"data", d}, field("title", "t")} },
			wantCode: 401, want: "your login is invalid or has expired, please log in again"},
		{name: "a bad token after the file: the upload is dropped", parts: func(d *countingReader) []part {
			return []part{{"data", d}, field("token", "forged"), field("title", "t")}
		}, wantCode: 401, want: "your login is invalid or has expired, please log in again", read: true, opened: true},
		{name: "no token at all: the upload is dropped", parts: func(d *countingReader) []part {
			return []part{{"data", d}, field("title", "t")}
		}, wantCode: 401, want: "please log in first: this request needs a token", read: true, opened: true},
		{name: "an unknown field before the file: refused unread", parts: func(d *countingReader) []part {
			return []part{field("token", "good"), {"video", &countingReader{left: file}}, {"data", d}}
		}, wantCode: 400, want: `the form has a field "video", which publish does not take: send data, token and title`},
		{name: "an unknown field after the file: the upload is dropped", parts: func(d *countingReader) []part {
			return []part{{"data", d}, {"", &countingReader{left: file}}, field("token", "good")}
		}, wantCode: 400, want: `the form has a field "", which publish does not take: send data, token and title`, read: true, opened: true},
		{name: "a field name that is not text is quoted", parts: func(d *countingReader) []part {
			return []part{{"\xff", &countingReader{left: file}}}
		}, wantCode: 400, want: `the form has a field "\xff", which publish does not take: send data, token and title`},
		{name: "a long field name is cut to 64 characters", parts: func(d *countingReader) []part {
			return []part{{strings.Repeat("é", 100), &countingReader{left: file}}}
		}, wantCode: 400, want: `the form has a field "` + strings.Repeat("é", 64) + `", which publish does not take: send data, token and title`},
		{name: "a title that is not UTF-8", parts: func(d *countingReader) []part {
			return []part{field("token", "good"), field("title", "caf\xe9"), {"data", d}}
		}, wantCode: 400, want: "title is not valid UTF-8 text"},
		{name: "a token that is not UTF-8", parts: func(d *countingReader) []part {
			return []part{{"data", d}, field("token", "\xc3\x28"), field("title", "t")}
		}, wantCode: 400, want: "token is not valid UTF-8 text", read: true, opened: true},
		{name: "a title in the query that is not UTF-8", query: url.Values{"title": {"\xff"}},
			parts: func(d *countingReader) []part { return []part{{"data", d}} }, wantCode: 400, want: "title is not valid UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, videos := newPublishService()
			data := &countingReader{left: file}
			reply, err := s.PublishUpload(context.Background(), tt.query, form(tt.parts(data)...))
			if tt.want == "" {
				if err != nil || reply.GetStatusMsg() != "published" {
					t.Fatalf("PublishUpload = %v, %v; want published", reply, err)
				}
			} else if e := kerrors.FromError(err); e.Code != tt.wantCode || e.Message != tt.want {
				t.Fatalf("PublishUpload = %v, %v; want %d %q", reply, err, tt.wantCode, tt.want)
			}
			// The multipart reader reads ahead a buffer's worth at most.
			if taken := data.taken.Load(); (taken > 8<<10) != tt.read {
				t.Errorf("%d bytes of the file read; read = %v, want %v", taken, taken > 8<<10, tt.read)
			}
			if opened := len(videos.opened) == 1; opened != tt.opened || len(videos.opened) > 1 {
				t.Fatalf("%d uploads opened; want one: %v", len(videos.opened), tt.opened)
			}
			if !tt.opened {
				return
			}
			up := videos.opened[0]
			if up.published == (tt.want != "") || up.aborted == (tt.want == "") {
				t.Errorf("published %v, aborted %v", up.published, up.aborted)
			}
			if tt.want == "" && (up.Len() != file || up.author != 7 || up.title != "Sunset") {
				t.Errorf("published %d bytes by %d titled %q; want %d by 7 titled Sunset", up.Len(), up.author, up.title, file)
			}
		})
	}
}

// A body cut off by the server's cap reports the cap's error, whichever part it was in.
func TestPublishUploadBodyCap(t *testing.T) {
	capped := &http.MaxBytesError{Limit: 100}
	for _, parts := range [][]part{
		{{"data", &countingReader{left: 1000, err: capped}}},
		{field("token", "good"), {"title", &countingReader{left: 10, err: capped}}},
	} {
		s, videos := newPublishService()
		_, err := s.PublishUpload(context.Background(), nil, form(parts...))
		if got := new(http.MaxBytesError); !errors.As(err, &got) {
			t.Errorf("PublishUpload = %v; want it to wrap the *http.MaxBytesError", err)
		}
		for _, up := range videos.opened {
			if !up.aborted {
				t.Error("the upload was not dropped")
			}
		}
	}
}
