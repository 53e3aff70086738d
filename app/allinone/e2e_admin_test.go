package allinone_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const msgSuspended = "this account has been suspended"

// admin runs `allinone admin -operator e2e-operator args...` against s, the way an operator on
// the machine does: the data dir and admin address as the server has them, the token from the
// data dir unless env gives one. It returns the command's output and exit code.
func (s *server) admin(t *testing.T, dataDir string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	env = withEnv(append(environWithoutSettings(), "DOUYIN_DATA_DIR="+dataDir, "DOUYIN_ADMIN_ADDR="+strings.TrimPrefix(s.adminURL, "http://")), env)
	return runToExit(t, env, append([]string{"admin", "-operator", "e2e-operator"}, args...)...)
}

// mustAdmin runs an admin action that must succeed and checks what it printed.
func (s *server) mustAdmin(t *testing.T, dataDir, action string, id int64, wantOut string) {
	t.Helper()
	stdout, stderr, code := s.admin(t, dataDir, nil, action, itoa(id))
	if want := fmt.Sprintf("%s %d: %s\n", action, id, wantOut); code != 0 || stdout != want || stderr != "" {
		t.Fatalf("admin %s %d: exit %d, stdout %q, stderr %q; want exit 0 and %q", action, id, code, stdout, stderr, want)
	}
}

// refusedAdmin runs an admin action that must be refused, with wantErr in its message.
func (s *server) refusedAdmin(t *testing.T, dataDir string, env []string, action string, id int64, wantErr string) {
	t.Helper()
	stdout, stderr, code := s.admin(t, dataDir, env, action, itoa(id))
	if code != 1 || stdout != "" || !strings.Contains(stderr, wantErr) {
		t.Fatalf("admin %s %d: exit %d, stdout %q, stderr %q; want exit 1 and %q", action, id, code, stdout, stderr, wantErr)
	}
}

// auditLine waits for the server's log line of an admin action and returns it.
func auditLine(t *testing.T, s *server, action string, id int64, outcome string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^.*msg="admin action" action=` + action + ` id=` + itoa(id) +
		` operator=e2e-operator client=127\.0\.0\.1 ` + outcome + `$`)
	var line string
	if !waitFor(func() bool { line = re.FindString(s.output.String()); return line != "" }) {
		t.Fatalf("no audit line for %s %d with %q in the log", action, id, outcome)
	}
	return line
}

// TestAdminBan: an operator bans a user through the running all-in-one; every token of theirs
// is refused from the very next request, their login is refused (the feed still shows them
// the anonymous feed), others are untouched; unbanning lets them log in again, while the tokens
// from before the ban stay refused. The credential is the one the all-in-one made in its data
// dir, and every attempt is in the log with who made it.
func TestAdminBan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	malloryID, mallory := s.register(t, "mallory")
	bobID, bob := s.register(t, "bob")
	profile := func(token string) []byte { return s.get(t, "/douyin/user/", url.Values{"token": {token}}) }
	assertJSON(t, profile(mallory), s.userJSON(malloryID, "mallory"))
	anonymousFeed := s.get(t, "/douyin/feed/", nil)

	if info, err := os.Stat(filepath.Join(dir, "admin_token")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the admin token in the data dir: %v, %v; want a file only its owner reads", info, err)
	}
	// Tokens carry whole seconds: one issued in the second of the ban, before it, is refused while
	// the ban lasts but not after an unban. Mallory's token is from an earlier second.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	s.mustAdmin(t, dir, "ban-user", malloryID, "user banned: they cannot log in and their tokens are refused")
	auditLine(t, s, "ban-user", malloryID, "changed=true")

	// At once, everywhere a token is a claim to act.
	assertJSON(t, profile(mallory), userFailureJSON(403, msgSuspended))
	assertJSON(t, s.post(t, "/douyin/relation/action/", url.Values{"token": {mallory}, "to_user_id": {itoa(bobID)}, "action_type": {"1"}}),
		statusJSON(403, msgSuspended))
	assertJSON(t, s.post(t, "/douyin/message/action/", url.Values{"token": {mallory}, "to_user_id": {itoa(bobID)}, "action_type": {"1"}, "content": {"hi"}}),
		statusJSON(403, msgSuspended))
	assertJSON(t, withoutNextTime(s.get(t, "/douyin/feed/", url.Values{"token": {mallory}})), string(withoutNextTime(anonymousFeed)))
	assertJSON(t, s.post(t, "/douyin/user/login/", creds("mallory", "mallory-pw")), sessionJSON(403, msgSuspended, 0, ""))
	// A wrong password says nothing of the ban.
	assertJSON(t, s.post(t, "/douyin/user/login/", creds("mallory", "wrong-password")), sessionJSON(401, "wrong username or password", 0, ""))
	// Nobody else is touched.
	assertJSON(t, profile(bob), s.userJSON(bobID, "bob"))

	s.mustAdmin(t, dir, "ban-user", malloryID, "user was banned already")
	auditLine(t, s, "ban-user", malloryID, "changed=false")

	// Refusals change nothing and are logged too.
	s.refusedAdmin(t, dir, []string{"DOUYIN_ADMIN_TOKEN=guessed-token"}, "unban-user", malloryID, "wrong or missing admin token (UNAUTHENTICATED)")
	s.refusedAdmin(t, dir, nil, "ban-user", 999_999, "user not found (USER_NOT_FOUND)")
	auditLine(t, s, "ban-user", 999_999, `error=.*user not found.*`)
	assertJSON(t, profile(mallory), userFailureJSON(403, msgSuspended))
	for _, req := range []struct {
		header string
		status int
	}{{"", http.StatusUnauthorized}, {"Bearer ", http.StatusUnauthorized}, {"Basic " + mallory, http.StatusUnauthorized}} {
		r, _ := http.NewRequest(http.MethodPost, s.adminURL+"/admin/users/"+itoa(malloryID)+"/unban", nil)
		if req.header != "" {
			r.Header.Set("Authorization", req.header)
		}
		resp, body := doRequest(t, r)
		if resp.StatusCode != req.status || string(body) != `{"changed":false,"error":"wrong or missing admin token","reason":"UNAUTHENTICATED"}`+"\n" {
			t.Fatalf("unban with Authorization %q: %d %s", req.header, resp.StatusCode, body)
		}
	}

	s.mustAdmin(t, dir, "unban-user", malloryID, "user unbanned: they may log in again (their old tokens stay refused)")
	auditLine(t, s, "unban-user", malloryID, "changed=true")
	assertJSON(t, profile(mallory), userFailureJSON(401, msgBadToken))
	fresh := assertSession(t, s.post(t, "/douyin/user/login/", creds("mallory", "mallory-pw")), "logged in", malloryID)
	assertJSON(t, profile(fresh), s.userJSON(malloryID, "mallory"))

	// The ban holds across a restart: it is the user app's, not a cache's.
	s.mustAdmin(t, dir, "ban-user", malloryID, "user banned: they cannot log in and their tokens are refused")
	s.stop(t)
	s = startServer(t, dir)
	assertJSON(t, profile(fresh), userFailureJSON(403, msgSuspended))
	assertJSON(t, s.post(t, "/douyin/user/login/", creds("mallory", "mallory-pw")), sessionJSON(403, msgSuspended, 0, ""))
}

// commentFailureJSON is a failed comment action: the status and a zero-valued comment.
func commentFailureJSON(code int, msg string) string {
	return fmt.Sprintf(`{"status_code":%d,"status_msg":%s,"comment":{"id":0,"user":%s,"content":"","create_date":""}}`, code, quote(msg), zeroUser)
}

// withoutNextTime blanks a feed's next_time, which is the time of the answer when it is empty.
func withoutNextTime(feed []byte) []byte {
	return regexp.MustCompile(`"next_time":[0-9]+`).ReplaceAll(feed, []byte(`"next_time":0`))
}

// doRequest sends r with the shared client and returns the answer with its body read.
func doRequest(t *testing.T, r *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	return resp, body.Bytes()
}

// TestAdminDeleteVideo: an operator deletes a liked and commented video. It leaves the feed,
// the publish list and every favorite list; its files are gone; its author's work_count and
// total_favorited and its likers' favorite_count drop by what it counted, exactly once, also
// after a restart replays what was in flight; a like or comment on it is refused after.
func TestAdminDeleteVideo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir, "DOUYIN_DEMO")
	demo := s.waitDemoVideos(t)
	m := &likeModel{s: s, videos: demo, names: map[int64]string{favDemoAuthor: "douyin-demo"},
		tokens: map[int64]string{}, likes: map[int64][]int64{}}
	var alice, bob int64
	for _, p := range []struct {
		id   *int64
		name string
	}{{&alice, "alice"}, {&bob, "bob"}} {
		id, token := s.register(t, p.name)
		*p.id, m.names[id], m.tokens[id] = id, p.name, token
	}
	doomed, kept := demo[0], demo[1]
	m.like(t, alice, doomed.id, true)
	m.like(t, bob, doomed.id, true)
	m.like(t, alice, kept.id, true)
	for _, text := range []string{"first", "second"} {
		if _, err := s.postComment(m.tokens[bob], doomed.id, text); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.commentList(t, "", doomed.id)); got != 2 {
		t.Fatalf("%d comments before the take-down, want 2", got)
	}
	play, _ := fetch(t, s.baseURL+doomed.playPath, nil)
	if play.StatusCode != http.StatusOK {
		t.Fatalf("the video's file answers %d before the take-down", play.StatusCode)
	}

	s.mustAdmin(t, dir, "delete-video", doomed.id, "video deleted")
	auditLine(t, s, "delete-video", doomed.id, "changed=true")
	m.videos = slices.DeleteFunc(m.videos, func(v publishedVideo) bool { return v.id == doomed.id })
	for user := range m.likes {
		m.set(user, doomed.id, false)
	}

	// The author's work_count follows before the command returns; the likers' counts follow
	// through the interaction app's take-down (one unlike each) within moments.
	wantUser := func(id int64) string { return `{"status_code":0,"status_msg":"","user":` + m.userObject(id) + `}` }
	for _, id := range []int64{favDemoAuthor, alice, bob} {
		if !waitFor(func() bool {
			return string(s.get(t, "/douyin/user/", m.query(alice, "user_id", itoa(id)))) == wantUser(id)
		}) {
			assertJSON(t, s.get(t, "/douyin/user/", m.query(alice, "user_id", itoa(id))), wantUser(id))
		}
	}
	m.check(t, alice)
	for _, path := range []string{doomed.playPath, doomed.coverPath} {
		if resp, _ := fetch(t, s.baseURL+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s answers %d after the take-down, want 404", path, resp.StatusCode)
		}
	}
	if files := objectFiles(t, dir); slices.ContainsFunc(files, func(f string) bool {
		return strings.Contains(f, strings.TrimSuffix(filepath.Base(doomed.playPath), filepath.Ext(doomed.playPath)))
	}) {
		t.Errorf("the video's objects are still stored: %v", files)
	}
	const msgGone = "video not found"
	assertJSON(t, s.post(t, favActionPath, favAction(m.tokens[alice], doomed.id, true)), statusJSON(404, msgGone))
	assertJSON(t, s.post(t, commentActionPath, url.Values{"token": {m.tokens[bob]}, "video_id": {itoa(doomed.id)}, "action_type": {"1"}, "comment_text": {"late"}}),
		commentFailureJSON(404, msgGone))
	s.refusedAdmin(t, dir, nil, "delete-video", doomed.id, "video not found (VIDEO_NOT_FOUND)")
	m.check(t, bob)

	// Nothing is applied twice when the events in flight are delivered again.
	s.sigkill(t)
	m.s = startServer(t, dir, "DOUYIN_DEMO")
	time.Sleep(time.Second) // the consumers catch up on anything redelivered
	m.check(t, alice)
}

// TestAdminDeleteComment: an operator deletes someone's comment; it leaves the list, its
// video's comment_count drops by one, and the other comments stay.
func TestAdminDeleteComment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir, "DOUYIN_DEMO")
	video := s.waitDemoVideos(t)[0]
	_, alice := s.register(t, "alice")
	_, bob := s.register(t, "bob")
	abusive, err := s.postComment(alice, video.id, "something abusive")
	if err != nil {
		t.Fatal(err)
	}
	fine, err := s.postComment(bob, video.id, "a fine comment")
	if err != nil {
		t.Fatal(err)
	}
	commentCount := func() int64 {
		var page struct {
			VideoList []struct {
				ID           int64 `json:"id"`
				CommentCount int64 `json:"comment_count"`
			} `json:"video_list"`
		}
		if err := json.Unmarshal(s.get(t, "/douyin/feed/", nil), &page); err != nil {
			t.Fatal(err)
		}
		for _, v := range page.VideoList {
			if v.ID == video.id {
				return v.CommentCount
			}
		}
		t.Fatalf("video %d is not in the feed", video.id)
		return 0
	}
	if got := commentCount(); got != 2 {
		t.Fatalf("comment_count %d before, want 2", got)
	}

	id := commentID(t, abusive)
	s.mustAdmin(t, dir, "delete-comment", id, "comment deleted")
	auditLine(t, s, "delete-comment", id, "changed=true")
	if got := s.commentList(t, bob, video.id); len(got) != 1 || string(got[0]) != string(fine) {
		t.Fatalf("comment list after the take-down: %s; want only %s", joinRaw(got), fine)
	}
	if got := commentCount(); got != 1 {
		t.Fatalf("comment_count %d after, want 1", got)
	}
	s.refusedAdmin(t, dir, nil, "delete-comment", id, "COMMENT_NOT_FOUND")
	// Its author cannot delete it a second time either.
	assertJSON(t, s.post(t, commentActionPath, url.Values{"token": {alice}, "video_id": {itoa(video.id)}, "action_type": {"2"}, "comment_id": {itoa(id)}}),
		commentFailureJSON(404, "comment not found"))
	if got := commentCount(); got != 1 {
		t.Fatalf("comment_count %d at the end, want 1", got)
	}
}
