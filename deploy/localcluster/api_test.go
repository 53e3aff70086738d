//go:build cluster

package localcluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// douyin is a client of the Douyin API speaking it as the Android app does: parameters in the
// query string of GETs and POSTs alike (POSTs with an empty body), multipart for publish. The
// call method returns errors, for workers that retry; the methods taking a *testing.T fail the
// test instead.
type douyin struct {
	base   string
	client *http.Client
}

func newDouyin(base string) *douyin {
	return &douyin{base: base, client: &http.Client{
		// Above the gateway's own deadline for a like (call timeout + apply wait): a request
		// slower than that is stuck, not slow.
		Timeout: 15 * time.Second,
		// The app breaks on redirected POSTs: a redirect must show as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// The objects of the API, with the fields the app reads.
type (
	envelope struct {
		StatusCode int    `json:"status_code"`
		StatusMsg  string `json:"status_msg"`
	}
	user struct {
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
	video struct {
		ID            int64  `json:"id"`
		Author        user   `json:"author"`
		PlayURL       string `json:"play_url"`
		CoverURL      string `json:"cover_url"`
		FavoriteCount int64  `json:"favorite_count"`
		CommentCount  int64  `json:"comment_count"`
		IsFavorite    bool   `json:"is_favorite"`
		Title         string `json:"title"`
	}
	comment struct {
		ID         int64  `json:"id"`
		User       user   `json:"user"`
		Content    string `json:"content"`
		CreateDate string `json:"create_date"`
	}
	// friendUser is a User with the latest message between the viewer and that friend, flat.
	friendUser struct {
		user
		Message string `json:"message"`
		MsgType int    `json:"msgType"`
	}
	message struct {
		ID         int64  `json:"id"`
		ToUserID   int64  `json:"to_user_id"`
		FromUserID int64  `json:"from_user_id"`
		Content    string `json:"content"`
		CreateTime int64  `json:"create_time"`
	}
)

// account is a registered user and their token.
type account struct {
	ID    int64
	Name  string
	Token string
}

// statusError is an answer with a non-zero status_code.
type statusError struct {
	path string
	envelope
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: status_code %d: %s", e.path, e.StatusCode, e.StatusMsg)
}

// call sends one request and decodes the answer into out (which may be nil). It fails on a
// transport error, an HTTP status other than 200 and a non-zero status_code.
func (d *douyin) call(ctx context.Context, method, path string, query url.Values, header http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.base+path+"?"+query.Encode(), nil)
	if err != nil {
		return err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return d.send(req, path, out)
}

func (d *douyin) send(req *http.Request, path string, out any) error {
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s: %s", path, resp.Status, body)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: answer is not the JSON envelope: %w: %s", path, err, body)
	}
	if env.StatusCode != 0 {
		return &statusError{path: path, envelope: env}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%s: decode %s: %w", path, body, err)
		}
	}
	return nil
}

func (d *douyin) mustCall(t *testing.T, method, path string, query url.Values, out any) {
	t.Helper()
	if err := d.call(t.Context(), method, path, query, nil, out); err != nil {
		t.Fatal(err)
	}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// session registers or logs in (path) name, with the password every user of these tests has.
func (d *douyin) session(t *testing.T, path, name string) account {
	t.Helper()
	var out struct {
		UserID int64  `json:"user_id"`
		Token  string `json:"token"`
	}
	d.mustCall(t, http.MethodPost, path, url.Values{"username": {name}, "password": {"secret-" + name}}, &out)
	return account{ID: out.UserID, Name: name, Token: out.Token}
}

func (d *douyin) register(t *testing.T, name string) account {
	t.Helper()
	a := d.session(t, "/douyin/user/register/", name)
	if a.ID <= 0 || a.Token == "" {
		t.Fatalf("register %s: user_id %d, token %q; want an id and a token", name, a.ID, a.Token)
	}
	return a
}

func (d *douyin) login(t *testing.T, name string) account {
	t.Helper()
	return d.session(t, "/douyin/user/login/", name)
}

// user is userID's profile as viewer sees it.
func (d *douyin) user(ctx context.Context, viewer account, userID int64) (user, error) {
	var out struct {
		User user `json:"user"`
	}
	err := d.call(ctx, http.MethodGet, "/douyin/user/", url.Values{"user_id": {id(userID)}, "token": {viewer.Token}}, nil, &out)
	return out.User, err
}

// publish uploads a video with the multipart fields in the app's order: data, token, title.
func (d *douyin) publish(t *testing.T, author account, title string, clip []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("data", "clip.mp4")
	if err == nil {
		_, err = part.Write(clip)
	}
	for _, f := range [][2]string{{"token", author.Token}, {"title", title}} {
		if err == nil {
			err = w.WriteField(f[0], f[1])
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, d.base+"/douyin/publish/action/", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if err := d.send(req, "/douyin/publish/action/", nil); err != nil {
		t.Fatal(err)
	}
}

// feed is the newest page of the feed; viewer may be the zero account (anonymous).
func (d *douyin) feed(ctx context.Context, viewer account) ([]video, error) {
	var out struct {
		VideoList []video `json:"video_list"`
		NextTime  int64   `json:"next_time"`
	}
	q := url.Values{}
	if viewer.Token != "" {
		q.Set("token", viewer.Token)
	}
	err := d.call(ctx, http.MethodGet, "/douyin/feed/", q, nil, &out)
	return out.VideoList, err
}

// videoList reads one of the endpoints answering a video_list of userID.
func (d *douyin) videoList(ctx context.Context, path string, viewer account, userID int64) ([]video, error) {
	var out struct {
		VideoList []video `json:"video_list"`
	}
	err := d.call(ctx, http.MethodGet, path, url.Values{"user_id": {id(userID)}, "token": {viewer.Token}}, nil, &out)
	return out.VideoList, err
}

// like likes videoID as who; header may carry trace context.
func (d *douyin) like(ctx context.Context, who account, videoID int64, header http.Header) error {
	q := url.Values{"token": {who.Token}, "video_id": {id(videoID)}, "action_type": {"1"}}
	return d.call(ctx, http.MethodPost, "/douyin/favorite/action/", q, header, nil)
}

func (d *douyin) comment(t *testing.T, who account, videoID int64, text string) comment {
	t.Helper()
	var out struct {
		Comment comment `json:"comment"`
	}
	q := url.Values{"token": {who.Token}, "video_id": {id(videoID)}, "action_type": {"1"}, "comment_text": {text}}
	d.mustCall(t, http.MethodPost, "/douyin/comment/action/", q, &out)
	return out.Comment
}

func (d *douyin) comments(t *testing.T, viewer account, videoID int64) []comment {
	t.Helper()
	var out struct {
		CommentList []comment `json:"comment_list"`
	}
	d.mustCall(t, http.MethodGet, "/douyin/comment/list/", url.Values{"token": {viewer.Token}, "video_id": {id(videoID)}}, &out)
	return out.CommentList
}

func (d *douyin) follow(t *testing.T, who account, toUserID int64) {
	t.Helper()
	d.mustCall(t, http.MethodPost, "/douyin/relation/action/",
		url.Values{"token": {who.Token}, "to_user_id": {id(toUserID)}, "action_type": {"1"}}, nil)
}

// userList reads follow/list or follower/list of userID.
func (d *douyin) userList(t *testing.T, path string, viewer account, userID int64) []user {
	t.Helper()
	var out struct {
		UserList []user `json:"user_list"`
	}
	d.mustCall(t, http.MethodGet, path, url.Values{"user_id": {id(userID)}, "token": {viewer.Token}}, &out)
	return out.UserList
}

func (d *douyin) friends(t *testing.T, viewer account) []friendUser {
	t.Helper()
	var out struct {
		UserList []friendUser `json:"user_list"`
	}
	d.mustCall(t, http.MethodGet, "/douyin/relation/friend/list/", url.Values{"user_id": {id(viewer.ID)}, "token": {viewer.Token}}, &out)
	return out.UserList
}

func (d *douyin) sendMessage(t *testing.T, from account, toUserID int64, content string) {
	t.Helper()
	d.mustCall(t, http.MethodPost, "/douyin/message/action/",
		url.Values{"token": {from.Token}, "to_user_id": {id(toUserID)}, "action_type": {"1"}, "content": {content}}, nil)
}

// chat polls the conversation with toUserID as the app does, from preMsgTime (0: all of it).
func (d *douyin) chat(t *testing.T, viewer account, toUserID, preMsgTime int64) []message {
	t.Helper()
	var out struct {
		MessageList []message `json:"message_list"`
	}
	d.mustCall(t, http.MethodGet, "/douyin/message/chat/",
		url.Values{"token": {viewer.Token}, "to_user_id": {id(toUserID)}, "pre_msg_time": {id(preMsgTime)}}, &out)
	return out.MessageList
}

// fetch GETs an object URL the app would load (a video or a cover) and returns its bytes.
func (d *douyin) fetch(t *testing.T, u string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("object URL %q: %v", u, err)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", u, resp.Status, err)
	}
	return body
}
