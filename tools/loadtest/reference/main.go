// Command reference is the yardstick `make load` and `make load-cluster` measure the system
// against (issue 15): a plain net/http server that answers the read scenarios' requests with the
// very answers the system gave, JSON-encoding them with encoding/json on every request, as a
// server that has its data at hand and does nothing else would.
//
// At start it captures: it GETs every request URI listed in -capture from the running system
// (-system), decodes each answer into the Douyin API's Go types below, re-encodes it and checks
// that the bytes are the very bytes the system sent (it reports every difference). Then it
// listens on -addr and, per request, looks the decoded value up by the request's path and the
// query parameters that choose the answer (see keyParams), and encodes it anew. It does no
// authentication, no storage, no joins: the system's figure divided by the reference's says how
// much of what this machine can do for that answer the system reaches.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Douyin API's answers (api/gateway/v1), fields in the order the gateway writes them.

type User struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	FollowCount     int64  `json:"follow_count"`
	FollowerCount   int64  `json:"follower_count"`
	IsFollow        bool   `json:"is_follow"`
	Avatar          string `json:"avatar"`
	BackgroundImage string `json:"background_image"`
	Signature       string `json:"signature"`
	TotalFavorited  int64  `json:"total_favorited"`
	WorkCount       int64  `json:"work_count"`
	FavoriteCount   int64  `json:"favorite_count"`
}

type Video struct {
	ID            int64  `json:"id"`
	Author        User   `json:"author"`
	PlayURL       string `json:"play_url"`
	CoverURL      string `json:"cover_url"`
	FavoriteCount int64  `json:"favorite_count"`
	CommentCount  int64  `json:"comment_count"`
	IsFavorite    bool   `json:"is_favorite"`
	Title         string `json:"title"`
}

type Comment struct {
	ID         int64  `json:"id"`
	User       User   `json:"user"`
	Content    string `json:"content"`
	CreateDate string `json:"create_date"`
}

type Message struct {
	ID         int64  `json:"id"`
	ToUserID   int64  `json:"to_user_id"`
	FromUserID int64  `json:"from_user_id"`
	Content    string `json:"content"`
	CreateTime int64  `json:"create_time"`
}

type FeedResponse struct {
	StatusCode int32   `json:"status_code"`
	StatusMsg  string  `json:"status_msg"`
	VideoList  []Video `json:"video_list"`
	NextTime   int64   `json:"next_time"`
}

type UserResponse struct {
	StatusCode int32  `json:"status_code"`
	StatusMsg  string `json:"status_msg"`
	User       User   `json:"user"`
}

type CommentListResponse struct {
	StatusCode  int32     `json:"status_code"`
	StatusMsg   string    `json:"status_msg"`
	CommentList []Comment `json:"comment_list"`
}

type ChatResponse struct {
	StatusCode  int32     `json:"status_code"`
	StatusMsg   string    `json:"status_msg"`
	MessageList []Message `json:"message_list"`
}

// route is one read route the reference serves: a fresh value to decode into, and the query
// parameters that choose the answer. Others (the chat poll's pre_msg_time, which is "now" in
// every poll) do not: the answer captured is the one the poll gets.
type route struct {
	value     func() any
	keyParams []string
}

var routes = map[string]route{
	"/douyin/feed/":         {func() any { return new(FeedResponse) }, []string{"token"}},
	"/douyin/user/":         {func() any { return new(UserResponse) }, []string{"user_id", "token"}},
	"/douyin/comment/list/": {func() any { return new(CommentListResponse) }, []string{"video_id", "token"}},
	"/douyin/message/chat/": {func() any { return new(ChatResponse) }, []string{"token", "to_user_id"}},
}

// key is what an answer is stored and found under.
func key(path string, q url.Values) (string, bool) {
	r, ok := routes[path]
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(path)
	for _, p := range r.keyParams {
		b.WriteByte('|')
		b.WriteString(q.Get(p))
	}
	return b.String(), true
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encode writes v as the gateway does: encoding/json without HTML escaping (the gateway writes
// '<', '>' and '&' as they are), and no trailing newline.
func encode(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's '\n'
	return nil
}

func main() {
	system := flag.String("system", "127.0.0.1:18888", "the running system's HTTP address to capture the answers from")
	capture := flag.String("capture", "", "file of request URIs (path?query), one a line, to capture")
	addr := flag.String("addr", "127.0.0.1:18889", "address to serve on")
	flag.Parse()

	answers, err := captureAll(*system, *capture)
	if err != nil {
		log.Fatal(err)
	}

	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, ok := key(r.URL.Path, r.URL.Query())
			v := answers[k]
			if !ok || v == nil {
				http.Error(w, `{"status_code":1,"status_msg":"the reference captured no answer for this request"}`, http.StatusNotFound)
				return
			}
			buf := buffers.Get().(*bytes.Buffer)
			buf.Reset()
			if err := encode(buf, v); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			h := w.Header()
			h["Content-Type"] = []string{"application/json; charset=utf-8"}
			h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
			h["X-Content-Type-Options"] = []string{"nosniff"}
			w.Write(buf.Bytes())
			buffers.Put(buf)
		}),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(srv.Serve(ln))
}

// captureAll fetches every URI in the file from the system and decodes the answers, reporting
// on stdout whether re-encoding gives the same bytes.
func captureAll(system, file string) (map[string]any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	answers := map[string]any{}
	type tally struct{ n, same, bytes int }
	tallies := map[string]*tally{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		uri := strings.TrimSpace(sc.Text())
		if uri == "" {
			continue
		}
		u, err := url.Parse(uri)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", uri, err)
		}
		k, ok := key(u.Path, u.Query())
		if !ok {
			return nil, fmt.Errorf("%q: the reference knows no route %s", uri, u.Path)
		}
		resp, err := client.Get("http://" + system + uri)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"status_code":0`)) {
			return nil, fmt.Errorf("GET %s: %s %.300s", uri, resp.Status, body)
		}
		v := routes[u.Path].value()
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return nil, fmt.Errorf("GET %s: decoding the answer: %v", uri, err)
		}
		var re bytes.Buffer
		if err := encode(&re, v); err != nil {
			return nil, err
		}
		t := tallies[u.Path]
		if t == nil {
			t = &tally{}
			tallies[u.Path] = t
			order = append(order, u.Path)
		}
		t.n++
		t.bytes += len(body)
		if bytes.Equal(re.Bytes(), body) {
			t.same++
		} else {
			i := 0
			for i < len(body) && i < re.Len() && body[i] == re.Bytes()[i] {
				i++
			}
			from := max(0, i-60)
			fmt.Printf("reference: GET %s re-encodes differently at byte %d of %d:\n  system:    %q\n  reference: %q\n",
				uri, i, len(body), body[from:min(len(body), i+60)], re.Bytes()[from:min(re.Len(), i+60)])
		}
		answers[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, p := range order {
		t := tallies[p]
		fmt.Printf("reference: captured %d answers of %s (%d bytes on average); re-encoded byte-identical: %d of %d\n",
			t.n, p, t.bytes/t.n, t.same, t.n)
	}
	return answers, nil
}
