package allinone_test

// End-to-end tests of likes. TestLikes walks through liking and unliking on one server, checking
// after every action, starting with the very next request, every place a like shows: the feed,
// profiles, publish and favorite lists, from every viewer's point of view, byte for byte against
// a model of who likes what. TestLikesSurviveCrash drives thousands of concurrent likes through
// SIGKILLs and restarts, then checks every count against the likes the server stored.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	favActionPath = "/douyin/favorite/action/"
	favListPath   = "/douyin/favorite/list/"

	// favOK is the answer to a successful like or unlike, whether or not it changed anything.
	favOK = `{"status_code":0,"status_msg":""}`

	// favDemoAuthor is the id of douyin-demo, the first account of a server started with the demo.
	favDemoAuthor = int64(1)
)

// favClient serves the concurrent tests: unlike the shared client it keeps a connection per
// goroutine alive, so thousands of requests do not use up the loopback's ports.
var favClient = &http.Client{
	Timeout:       15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{MaxIdleConns: 200, MaxIdleConnsPerHost: 100, IdleConnTimeout: 30 * time.Second},
}

// sigkill kills the process with SIGKILL: no graceful shutdown, so the outbox relay and the
// consumers die wherever they are. The server then counts as stopped, so its cleanup does not
// stop it again (it still logs the output if the test failed).
func (s *server) sigkill(t *testing.T) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGKILL: %v", err)
	}
	<-s.exited
}

// waitDemoVideos waits for the demo seeding of a first start (it runs in the background) and
// returns the demo clips, newest first.
func (s *server) waitDemoVideos(t *testing.T) []publishedVideo {
	t.Helper()
	return s.demoVideosWithin(t, 15*time.Second)
}

// demoVideosWithin is waitDemoVideos, failing t if the seeding takes longer than within.
func (s *server) demoVideosWithin(t *testing.T, within time.Duration) []publishedVideo {
	t.Helper()
	var vs []publishedVideo
	for deadline := time.Now().Add(within); ; {
		// Seeded means the clips are there and counted: a clip is in the feed once its row
		// commits, and its author's work_count follows when the user app applies its event.
		page := parseVideoPage(t, s.get(t, "/douyin/feed/", nil))
		vs = s.videos(t, page)
		counted := len(page.VideoList) > 0 && page.VideoList[0].Author.WorkCount >= int64(len(demoVideos))
		if (len(vs) >= len(demoVideos) && counted) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(vs) != len(demoVideos) {
		t.Fatalf("the feed of a first start with the demo has %d videos after %v, want the %d demo clips", len(vs), within, len(demoVideos))
	}
	for i, v := range vs {
		if v.authorID != favDemoAuthor || v.author != "douyin-demo" || v.title != demoVideos[i].title {
			t.Fatalf("demo video %d is %q by %q (user %d), want %q by douyin-demo (user %d)",
				i, v.title, v.author, v.authorID, demoVideos[i].title, favDemoAuthor)
		}
	}
	return vs
}

// favSend sends a request the way the app does (parameters in the query, no body) with
// favClient and returns the body of a 200 JSON answer. It is safe for goroutines.
func favSend(s *server, method, path string, query url.Values) ([]byte, error) {
	req, err := s.newRequest(method, path, query)
	if err != nil {
		return nil, err
	}
	return sendWith(favClient, req)
}

// favAction is the query of a like (like) or an unlike.
func favAction(token string, videoID int64, like bool) url.Values {
	return url.Values{"token": {token}, "video_id": {itoa(videoID)}, "action_type": {actionType(like)}}
}

// ---- the model of TestLikes ---------------------------------------------------------------------

// likeModel is what the server should show: its videos, its users and who likes what.
type likeModel struct {
	s      *server
	videos []publishedVideo  // every video, newest first as the feed lists them
	names  map[int64]string  // every user
	tokens map[int64]string  // the users the test logs in as
	likes  map[int64][]int64 // per user, the videos they like, most recently liked first
}

// set records that user likes (like) video or not; repeating either changes nothing.
func (m *likeModel) set(user, video int64, like bool) {
	has := slices.Contains(m.likes[user], video)
	switch {
	case like && !has:
		m.likes[user] = append([]int64{video}, m.likes[user]...)
	case !like && has:
		m.likes[user] = slices.DeleteFunc(slices.Clone(m.likes[user]), func(v int64) bool { return v == video })
	}
}

// favoriteCount is how many users like video.
func (m *likeModel) favoriteCount(video int64) int {
	n := 0
	for _, vs := range m.likes {
		if slices.Contains(vs, video) {
			n++
		}
	}
	return n
}

func (m *likeModel) video(id int64) publishedVideo {
	i := slices.IndexFunc(m.videos, func(v publishedVideo) bool { return v.id == id })
	if i < 0 {
		panic(fmt.Sprintf("the model has no video %d", id))
	}
	return m.videos[i]
}

// userObject is the exact User object of id: nobody follows anyone here.
func (m *likeModel) userObject(id int64) string {
	works, total := 0, 0
	for _, v := range m.videos {
		if v.authorID == id {
			works++
			total += m.favoriteCount(v.id)
		}
	}
	host := m.s.host()
	return fmt.Sprintf(`{"id":%d,"name":%s,"follow_count":0,"follower_count":0,"is_follow":false,`+
		`"avatar":"http://%s/static/avatar/%d.png","background_image":"http://%s/static/background/%d.png",`+
		`"signature":%s,"total_favorited":%d,"work_count":%d,"favorite_count":%d}`,
		id, quote(m.names[id]), host, id, host, id, quote(defaultSignature), total, works, len(m.likes[id]))
}

// videoList is the exact video_list of vs as viewer (0: anonymous) sees it.
func (m *likeModel) videoList(vs []publishedVideo, viewer int64) string {
	items := make([]string, len(vs))
	for i, v := range vs {
		items[i] = fmt.Sprintf(`{"id":%d,"author":%s,"play_url":%s,"cover_url":%s,`+
			`"favorite_count":%d,"comment_count":0,"is_favorite":%t,"title":%s}`,
			v.id, m.userObject(v.authorID), quote(m.s.baseURL+v.playPath), quote(m.s.baseURL+v.coverPath),
			m.favoriteCount(v.id), viewer != 0 && slices.Contains(m.likes[viewer], v.id), quote(v.title))
	}
	return "[" + strings.Join(items, ",") + "]"
}

// favoriteList is the exact favorite/list answer for user's likes as viewer sees them.
func (m *likeModel) favoriteList(user, viewer int64) string {
	vs := make([]publishedVideo, len(m.likes[user]))
	for i, id := range m.likes[user] {
		vs[i] = m.video(id)
	}
	return publishListJSON(m.videoList(vs, viewer))
}

// query is url.Values with viewer's token added (none for 0, the anonymous viewer).
func (m *likeModel) query(viewer int64, kv ...string) url.Values {
	q := url.Values{}
	if viewer != 0 {
		q.Set("token", m.tokens[viewer])
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

func (m *likeModel) assertFeed(t *testing.T, viewer int64) {
	t.Helper()
	body := m.s.get(t, "/douyin/feed/", m.query(viewer))
	assertJSON(t, body, feedJSON(m.videoList(m.videos, viewer), parseVideoPage(t, body).NextTime))
}

// assertUser checks the profile of user (0: the viewer's own, user_id left out) seen by viewer.
func (m *likeModel) assertUser(t *testing.T, viewer, user int64) {
	t.Helper()
	q, id := m.query(viewer), user
	if user == 0 {
		id = viewer
	} else {
		q.Set("user_id", itoa(user))
	}
	assertJSON(t, m.s.get(t, "/douyin/user/", q), `{"status_code":0,"status_msg":"","user":`+m.userObject(id)+`}`)
}

func (m *likeModel) assertFavoriteList(t *testing.T, viewer, user int64) {
	t.Helper()
	assertJSON(t, m.s.get(t, favListPath, m.query(viewer, "user_id", itoa(user))), m.favoriteList(user, viewer))
}

// check compares everything that shows likes with the model. Its first request is the feed as
// actor sees it, its second actor's own profile: after an action, the very next requests.
func (m *likeModel) check(t *testing.T, actor int64) {
	t.Helper()
	m.assertFeed(t, actor)
	m.assertUser(t, actor, 0)
	m.assertFeed(t, 0)
	users := slices.Sorted(maps.Keys(m.names))
	viewers := slices.Sorted(maps.Keys(m.tokens))
	for _, viewer := range viewers {
		if viewer != actor {
			m.assertFeed(t, viewer)
		}
	}
	for _, user := range users {
		m.assertUser(t, actor, user)
		m.assertFavoriteList(t, 0, user)
		for _, viewer := range viewers {
			m.assertFavoriteList(t, viewer, user)
		}
	}
	authors := map[int64][]publishedVideo{}
	for _, v := range m.videos {
		authors[v.authorID] = append(authors[v.authorID], v)
	}
	for author, vs := range authors {
		assertJSON(t, m.s.get(t, "/douyin/publish/list/", m.query(actor, "user_id", itoa(author))),
			publishListJSON(m.videoList(vs, actor)))
	}
}

// act sends a like or unlike of user's with query (token added) to path, expects success, records
// the change in the model and checks everything, starting with the very next request.
func (m *likeModel) act(t *testing.T, path string, user, video int64, like bool, query url.Values) {
	t.Helper()
	query.Set("token", m.tokens[user])
	assertJSON(t, m.s.post(t, path, query), favOK)
	m.set(user, video, like)
	m.check(t, user)
}

// like likes (like) or unlikes video as user, the plain way.
func (m *likeModel) like(t *testing.T, user, video int64, like bool) {
	t.Helper()
	m.act(t, favActionPath, user, video, like, favAction("", video, like))
}

// favVideoState is what a feed says of one video.
type favVideoState struct {
	ID     int64 `json:"id"`
	Author struct {
		ID             int64 `json:"id"`
		TotalFavorited int64 `json:"total_favorited"`
		WorkCount      int64 `json:"work_count"`
		FavoriteCount  int64 `json:"favorite_count"`
	} `json:"author"`
	FavoriteCount int64 `json:"favorite_count"`
	IsFavorite    bool  `json:"is_favorite"`
}

// favUserState is what a profile says.
type favUserState struct {
	ID             int64 `json:"id"`
	TotalFavorited int64 `json:"total_favorited"`
	WorkCount      int64 `json:"work_count"`
	FavoriteCount  int64 `json:"favorite_count"`
}

func parseFavVideos(body []byte) ([]favVideoState, error) {
	var page struct {
		StatusCode int             `json:"status_code"`
		VideoList  []favVideoState `json:"video_list"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %v: %s", err, body)
	}
	if page.StatusCode != 0 {
		return nil, fmt.Errorf("failed answer: %s", body)
	}
	return page.VideoList, nil
}

func parseFavUser(body []byte) (favUserState, error) {
	var info struct {
		StatusCode int          `json:"status_code"`
		User       favUserState `json:"user"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return favUserState{}, fmt.Errorf("answer is not JSON: %v: %s", err, body)
	}
	if info.StatusCode != 0 {
		return favUserState{}, fmt.Errorf("failed answer: %s", body)
	}
	return info.User, nil
}

// TestLikes likes and unlikes the demo clips as a few users, and checks after every action that
// the feed, profiles, publish and favorite lists show exactly the new state to every viewer,
// beginning with the acting user's very next request; then every way of getting a like wrong,
// and the ways the app sends its parameters.
func TestLikes(t *testing.T) {
	s := startServer(t, t.TempDir(), "DOUYIN_DEMO")
	demo := s.waitDemoVideos(t) // Game of life, Mandelbrot, Test pattern
	m := &likeModel{s: s, videos: demo, names: map[int64]string{favDemoAuthor: "douyin-demo"},
		tokens: map[int64]string{}, likes: map[int64][]int64{}}
	var alice, bob, carol int64
	for _, p := range []struct {
		id   *int64
		name string
	}{{&alice, "alice"}, {&bob, "bob"}, {&carol, "carol"}} {
		id, token := s.register(t, p.name)
		*p.id, m.names[id], m.tokens[id] = id, p.name, token
	}
	gameOfLife, mandelbrot, testPattern := demo[0].id, demo[1].id, demo[2].id
	if t.Failed() {
		t.FailNow()
	}
	m.check(t, alice) // nobody likes anything yet

	t.Run("a like shows in the very next request", func(t *testing.T) {
		assertJSON(t, s.post(t, favActionPath, favAction(m.tokens[alice], mandelbrot, true)), favOK)
		// Checked by hand first, so that a mistake of the model cannot hide one of the server.
		vs, err := parseFavVideos(s.get(t, "/douyin/feed/", url.Values{"token": {m.tokens[alice]}}))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			wantCount, wantLiked := int64(0), false
			if v.ID == mandelbrot {
				wantCount, wantLiked = 1, true
			}
			if v.FavoriteCount != wantCount || v.IsFavorite != wantLiked || v.Author.TotalFavorited != 1 {
				t.Errorf("alice's next feed, video %d: favorite_count %d, is_favorite %t, author's total_favorited %d; "+
					"want %d, %t, 1", v.ID, v.FavoriteCount, v.IsFavorite, v.Author.TotalFavorited, wantCount, wantLiked)
			}
		}
		u, err := parseFavUser(s.get(t, "/douyin/user/", url.Values{"token": {m.tokens[alice]}}))
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != alice || u.FavoriteCount != 1 || u.TotalFavorited != 0 {
			t.Errorf("alice's profile: %+v, want favorite_count 1, total_favorited 0", u)
		}
		m.set(alice, mandelbrot, true)
		m.check(t, alice) // the anonymous feed included: the new count, is_favorite false
	})

	t.Run("liking twice changes nothing", func(t *testing.T) {
		m.like(t, alice, testPattern, true)
		// A second like of Mandelbrot neither counts again nor moves it up alice's list.
		m.like(t, alice, mandelbrot, true)
		m.like(t, alice, mandelbrot, true)
		if got := m.likes[alice]; !slices.Equal(got, []int64{testPattern, mandelbrot}) {
			t.Fatalf("model: alice likes %v", got)
		}
	})

	t.Run("unliking, twice, and what was never liked", func(t *testing.T) {
		m.like(t, alice, mandelbrot, false)
		m.like(t, alice, mandelbrot, false)
		m.like(t, alice, gameOfLife, false) // never liked
		// Nobody likes Mandelbrot now: unliking it again must not take its count below zero.
		m.like(t, bob, mandelbrot, false)
		m.like(t, carol, mandelbrot, false)
		if n := m.favoriteCount(mandelbrot); n != 0 {
			t.Fatalf("model: Mandelbrot has %d likes", n)
		}
	})

	t.Run("favorite list: most recently liked first", func(t *testing.T) {
		m.like(t, bob, mandelbrot, true)
		m.like(t, bob, gameOfLife, true)
		m.like(t, bob, testPattern, true)
		// Unliking and liking again is a new like: it goes first.
		m.like(t, bob, gameOfLife, false)
		m.like(t, bob, gameOfLife, true)
		if got := m.likes[bob]; !slices.Equal(got, []int64{gameOfLife, testPattern, mandelbrot}) {
			t.Fatalf("model: bob likes %v", got)
		}
		// Several users on one video: its count, and the author's total, add up.
		m.like(t, carol, gameOfLife, true)
		m.like(t, alice, gameOfLife, true)
		if n := m.favoriteCount(gameOfLife); n != 3 {
			t.Fatalf("model: Game of life has %d likes", n)
		}
	})

	t.Run("favorite list viewers", func(t *testing.T) {
		// One entry written out in full: the whole video, with its whole author.
		v := m.video(testPattern)
		entry := fmt.Sprintf(`{"id":%d,"author":{"id":1,"name":"douyin-demo","follow_count":0,"follower_count":0,`+
			`"is_follow":false,"avatar":"http://%s/static/avatar/1.png","background_image":"http://%s/static/background/1.png",`+
			`"signature":%s,"total_favorited":%d,"work_count":3,"favorite_count":0},"play_url":%s,"cover_url":%s,`+
			`"favorite_count":%d,"comment_count":0,"is_favorite":%%t,"title":"Test pattern"}`,
			testPattern, s.host(), s.host(), quote(defaultSignature),
			m.favoriteCount(gameOfLife)+m.favoriteCount(mandelbrot)+m.favoriteCount(testPattern),
			quote(s.baseURL+v.playPath), quote(s.baseURL+v.coverPath), m.favoriteCount(testPattern))
		// alice likes Test pattern and carol does not: each sees it so in bob's list.
		if !slices.Contains(m.likes[alice], testPattern) || slices.Contains(m.likes[carol], testPattern) {
			t.Fatalf("model: alice likes %v, carol %v", m.likes[alice], m.likes[carol])
		}
		bobs := func(viewer int64, liked bool) string {
			want := m.favoriteList(bob, viewer)
			if !strings.Contains(want, fmt.Sprintf(entry, liked)) {
				t.Fatalf("the model's list lacks the entry written out:\n%s\n%s", want, fmt.Sprintf(entry, liked))
			}
			return want
		}
		for _, path := range spellings(favListPath) {
			tests := []struct {
				name  string
				query url.Values
				want  string
			}{
				{"own list, user_id missing", url.Values{"token": {m.tokens[bob]}}, bobs(bob, true)},
				{"own list by id", url.Values{"token": {m.tokens[bob]}, "user_id": {itoa(bob)}}, bobs(bob, true)},
				{"another viewer who likes some of them", url.Values{"token": {m.tokens[alice]}, "user_id": {itoa(bob)}},
					bobs(alice, true)},
				{"another viewer who likes other videos", url.Values{"token": {m.tokens[carol]}, "user_id": {itoa(bob)}},
					bobs(carol, false)},
				{"anonymous", url.Values{"user_id": {itoa(bob)}}, bobs(0, false)},
				{"empty token is anonymous", url.Values{"token": {""}, "user_id": {itoa(bob)}}, bobs(0, false)},
				{"user_id in float notation", url.Values{"token": {m.tokens[carol]}, "user_id": {fmt.Sprintf("%de0", bob)}},
					bobs(carol, false)},
				{"a user who likes nothing", url.Values{"token": {m.tokens[bob]}, "user_id": {"1"}}, publishListJSON("[]")},
			}
			for _, tt := range tests {
				t.Run(path+" "+tt.name, func(t *testing.T) {
					assertJSON(t, s.get(t, path, tt.query), tt.want)
				})
			}
		}
	})

	t.Run("refusals change nothing", func(t *testing.T) {
		otherSecret := signJWT(t, "not-the-server-secret-0123456789", fmt.Sprintf(
			`{"iss":"douyin","sub":"%d","iat":%d,"exp":%d}`, alice, time.Now().Unix(), time.Now().Add(time.Hour).Unix()))
		token := m.tokens[alice]
		id := itoa(mandelbrot)
		actions := []struct {
			name  string
			query url.Values
			want  string
		}{
			{"action_type 3", url.Values{"token": {token}, "video_id": {id}, "action_type": {"3"}},
				statusJSON(400, "action_type must be 1 (like) or 2 (unlike), got 3")},
			{"action_type 0", url.Values{"token": {token}, "video_id": {id}, "action_type": {"0"}},
				statusJSON(400, "action_type must be 1 (like) or 2 (unlike), got 0")},
			{"action_type missing", url.Values{"token": {token}, "video_id": {id}},
				statusJSON(400, "action_type must be 1 (like) or 2 (unlike), got 0")},
			{"action_type -1", url.Values{"token": {token}, "video_id": {id}, "action_type": {"-1"}},
				statusJSON(400, "action_type must be 1 (like) or 2 (unlike), got -1")},
			{"action_type not a number", url.Values{"token": {token}, "video_id": {id}, "action_type": {"like"}},
				statusJSON(400, `action_type must be an integer, got "like"`)},
			{"action_type a fraction", url.Values{"token": {token}, "video_id": {id}, "action_type": {"1.5"}},
				statusJSON(400, `action_type must be an integer, got "1.5"`)},
			{"unknown video, like", favAction(token, 999, true), statusJSON(404, "video not found")},
			{"unknown video, unlike", favAction(token, 999, false), statusJSON(404, "video not found")},
			{"video_id 0", url.Values{"token": {token}, "video_id": {"0"}, "action_type": {"1"}},
				statusJSON(400, "video_id must be a positive integer")},
			{"video_id negative", url.Values{"token": {token}, "video_id": {"-2"}, "action_type": {"1"}},
				statusJSON(400, "video_id must be a positive integer")},
			{"video_id missing", url.Values{"token": {token}, "action_type": {"1"}},
				statusJSON(400, "video_id must be a positive integer")},
			{"video_id not a number", url.Values{"token": {token}, "video_id": {"abc"}, "action_type": {"1"}},
				statusJSON(400, `video_id must be an integer, got "abc"`)},
			{"video_id a fraction", url.Values{"token": {token}, "video_id": {"2.5"}, "action_type": {"1"}},
				statusJSON(400, `video_id must be an integer, got "2.5"`)},
			{"no token", url.Values{"video_id": {id}, "action_type": {"1"}}, statusJSON(401, msgLoginRequired)},
			{"empty token", url.Values{"token": {""}, "video_id": {id}, "action_type": {"1"}}, statusJSON(401, msgLoginRequired)},
			{"garbage token", favAction("abc", mandelbrot, true), statusJSON(401, msgBadToken)},
			{"token signed with another secret", favAction(otherSecret, mandelbrot, true), statusJSON(401, msgBadToken)},
			{"real token with its signature altered", favAction(alterSignature(token), mandelbrot, true), statusJSON(401, msgBadToken)},
			{"real token with its user changed", favAction(withSubject(t, token, itoa(carol)), mandelbrot, true),
				statusJSON(401, msgBadToken)},
		}
		for _, tt := range actions {
			for _, path := range spellings(favActionPath) {
				t.Run("action "+path+" "+tt.name, func(t *testing.T) {
					assertJSON(t, s.post(t, path, tt.query), tt.want)
					m.check(t, alice)
				})
			}
		}
		failedList := func(code int, msg string) string {
			return fmt.Sprintf(`{"status_code":%d,"status_msg":%s,"video_list":[]}`, code, quote(msg))
		}
		lists := []struct {
			name  string
			query url.Values
			want  string
		}{
			{"anonymous without user_id", nil, failedList(400, "user_id is required when not logged in")},
			{"anonymous with an empty token", url.Values{"token": {""}}, failedList(400, "user_id is required when not logged in")},
			{"unknown user", url.Values{"token": {token}, "user_id": {"999"}}, failedList(404, "user not found")},
			{"unknown user, anonymous", url.Values{"user_id": {"999"}}, failedList(404, "user not found")},
			{"user_id negative", url.Values{"token": {token}, "user_id": {"-1"}}, failedList(400, "user_id must be positive")},
			{"user_id not a number", url.Values{"token": {token}, "user_id": {"abc"}}, failedList(400, `user_id must be an integer, got "abc"`)},
			{"garbage token", url.Values{"token": {"abc"}, "user_id": {itoa(bob)}}, failedList(401, msgBadToken)},
			{"token signed with another secret", url.Values{"token": {otherSecret}}, failedList(401, msgBadToken)},
		}
		for _, tt := range lists {
			for _, path := range spellings(favListPath) {
				t.Run("list "+path+" "+tt.name, func(t *testing.T) {
					assertJSON(t, s.get(t, path, tt.query), tt.want)
				})
			}
		}
		m.check(t, alice)
	})

	t.Run("the app's ways of sending a like", func(t *testing.T) {
		// Without the trailing slash.
		m.act(t, strings.TrimSuffix(favActionPath, "/"), carol, mandelbrot, true, favAction("", mandelbrot, true))
		m.act(t, strings.TrimSuffix(favActionPath, "/"), carol, mandelbrot, false, favAction("", mandelbrot, false))
		// Ids in float notation, as clients that keep JSON numbers as doubles send them.
		m.act(t, favActionPath, carol, testPattern, true,
			url.Values{"video_id": {fmt.Sprintf("%de0", testPattern)}, "action_type": {"1e0"}})
		m.act(t, favActionPath, carol, testPattern, false,
			url.Values{"video_id": {fmt.Sprintf("%d.0", testPattern)}, "action_type": {"2.0"}})
		m.act(t, favActionPath, carol, testPattern, true,
			url.Values{"video_id": {fmt.Sprintf("%de+00", testPattern)}, "action_type": {"1"}})
		// A repeated key takes its first value.
		m.act(t, favActionPath, carol, mandelbrot, true,
			url.Values{"video_id": {itoa(mandelbrot), itoa(gameOfLife)}, "action_type": {"1", "2"}})
	})

	t.Run("urlencoded form body", func(t *testing.T) {
		// Everything in the form, as web clients send it.
		assertJSON(t, s.postForm(t, favActionPath, nil, favAction(m.tokens[bob], mandelbrot, false)), favOK)
		m.set(bob, mandelbrot, false)
		m.check(t, bob)
		// A key in both places: the query wins, per key.
		assertJSON(t, s.postForm(t, favActionPath, url.Values{"video_id": {itoa(testPattern)}},
			favAction(m.tokens[bob], mandelbrot, false)), favOK)
		m.set(bob, testPattern, false)
		m.check(t, bob)
	})

	t.Run("everything undone", func(t *testing.T) {
		for _, user := range slices.Sorted(maps.Keys(m.tokens)) {
			for _, video := range slices.Clone(m.likes[user]) {
				m.like(t, user, video, false)
			}
		}
		for _, vs := range m.likes {
			if len(vs) != 0 {
				t.Fatalf("model: likes left: %v", m.likes)
			}
		}
	})
}

// ---- the crash test -----------------------------------------------------------------------------

// favErrors collects what goroutines found wrong, for the test goroutine to report: the first
// few in full, the rest counted.
type favErrors struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (e *favErrors) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	if len(e.first) < 20 {
		e.first = append(e.first, fmt.Sprintf(format, args...))
	}
}

func (e *favErrors) report(t *testing.T, what string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n > 0 {
		t.Errorf("%d %s; the first:\n%s", e.n, what, strings.Join(e.first, "\n"))
	}
}

// TestLikesSurviveCrash is the acceptance test of likes: 40 users like and unlike at random,
// concurrently, over HTTP. Halfway through (and at a quarter and three quarters, as each kill
// catches the relay and the consumers at some other point) the process is killed with SIGKILL
// and another started on the same data directory, and the actions continue against it. In the
// end every count must equal the likes the interaction app stored (each user's favorite/list):
// nothing lost, nothing counted twice, whatever was in flight when the process died. Along the
// way users read their own profile and feed right after acting, which must show their action.
func TestLikesSurviveCrash(t *testing.T) {
	const (
		users   = 40
		authors = 3 // the first users publish a video each, beside the demo clips
		actions = 10_000
		// kills: the process is killed after every actions/(kills+1) successful actions.
		kills     = 3
		killEvery = actions / (kills + 1)
		// checkEvery: after about one action in checkEvery, the user reads its own profile and
		// feed, which must already show its action: only it changes its favorite_count and
		// its is_favorite.
		checkEvery = 4
	)
	media := needMediaTools(t)
	dataDir := t.TempDir()
	first := startServer(t, dataDir, "DOUYIN_DEMO", unthrottled)
	first.waitDemoVideos(t)

	// The users register as a crowd of phones would, a few at a time: each registration spends
	// tens of milliseconds of CPU on purpose (argon2id), so all 40 at once on a CI machine busy
	// with other test packages could run past the gateway's call timeout, which tests nothing
	// about likes.
	bodies := make([][]byte, users)
	var wg sync.WaitGroup
	var regErrs favErrors
	crowd := make(chan struct{}, 4)
	for i := range users {
		wg.Go(func() {
			crowd <- struct{}{}
			defer func() { <-crowd }()
			var err error
			bodies[i], err = favSend(first, http.MethodPost, "/douyin/user/register/", creds(fmt.Sprintf("liker%02d", i), "pw"))
			if err != nil {
				regErrs.add("register liker%02d: %v", i, err)
			}
		})
	}
	wg.Wait()
	regErrs.report(t, "registrations failed")
	if t.Failed() {
		t.FailNow()
	}
	ids, tokens := make([]int64, users), make([]string, users)
	for i, body := range bodies {
		ids[i], tokens[i] = registeredID(t, body)
	}
	for i := range authors {
		file := media.clip(t, fmt.Sprintf("crash%d.mp4", i), 160+16*i, 120)
		assertJSON(t, first.publish(t, nil, appUpload("clip.mp4", file, tokens[i], fmt.Sprintf("Crash test %d", i))...), publishedJSON)
	}
	if t.Failed() {
		t.FailNow()
	}
	videos := first.videos(t, parseVideoPage(t, first.get(t, "/douyin/feed/", nil)))
	if len(videos) != len(demoVideos)+authors {
		t.Fatalf("the feed has %d videos, want %d", len(videos), len(demoVideos)+authors)
	}
	videoIDs := make([]int64, len(videos))
	authorOf := map[int64]int64{}
	for i, v := range videos {
		videoIDs[i] = v.id
		authorOf[v.id] = v.authorID
	}
	allUsers := append([]int64{favDemoAuthor}, ids...)

	seed := uint64(time.Now().UnixNano())
	t.Logf("%d users, %d videos by %d authors, seed %d", users, len(videos), authors+1, seed)

	var (
		current                    atomic.Pointer[server]
		succeeded, changes, failed atomic.Int64 // actions answered with success, real changes among them, requests that failed
		resyncs, readChecks        atomic.Int64
		lagged, maxSettle          atomic.Int64 // users whose count trailed their relearned likes; the longest wait (ns)
		aborted                    atomic.Bool
		unexpected, readErrs       favErrors
		killPoints                 = make([]chan struct{}, kills)  // closed when it is time for each kill
		models                     = make([]map[int64]bool, users) // each worker's final view of its likes
		killedAt                   atomic.Int64                    // unix ns of the last kill
		kill                       atomic.Int64                    // how many kills so far
	)
	current.Store(first)
	for k := range killPoints {
		killPoints[k] = make(chan struct{})
	}
	stopWorkers := aborted.Load

	// worker w acts as user ids[w]. Only it changes its likes, so it knows them exactly, except
	// for an action whose request failed (the process died under it): then it learns them
	// again from the new process's favorite/list, the source of truth.
	worker := func(w int) {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		srv := current.Load()
		liked := map[int64]bool{}
		defer func() { models[w] = liked }()
		user, token := ids[w], tokens[w]

		count := func() int64 {
			n := int64(0)
			for _, l := range liked {
				if l {
					n++
				}
			}
			return n
		}
		ownFavoriteCount := func() (int64, error) {
			body, err := favSend(srv, http.MethodGet, "/douyin/user/", url.Values{"token": {token}})
			if err != nil {
				return 0, err
			}
			u, err := parseFavUser(body)
			return u.FavoriteCount, err
		}
		// settle waits, after the likes were relearned, until the user's favorite_count counts
		// them all. The request that failed may have been stored with its event still on the
		// way to the counts (in the outbox or the broker when the process died): its answer
		// never came, so the next action's answer does not wait for it, and until it arrives
		// the read-your-writes checks below could not be exact. How long it takes is measured.
		settle := func() {
			start := time.Now()
			for lagging := false; ; {
				n, err := ownFavoriteCount()
				if err != nil {
					return // the process died again: the next action finds out
				}
				if n == count() {
					if lagging {
						lagged.Add(1)
						d := int64(time.Since(start))
						for {
							old := maxSettle.Load()
							if d <= old || maxSettle.CompareAndSwap(old, d) {
								break
							}
						}
					}
					return
				}
				lagging = true
				if time.Since(start) > 15*time.Second {
					unexpected.add("user %d: favorite_count %d, but it likes %d videos, still 15 s after relearning its likes",
						user, n, count())
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}

		// recoverFrom, after a request that got no answer (err) or a refusal (err nil), waits
		// for the process to be replaced if it died, and relearns the likes, as the outcome of
		// the request is unknown. It returns nil to stop.
		recoverFrom := func(err error) *server {
			if err != nil {
				select {
				case <-srv.exited:
					for current.Load() == srv {
						if stopWorkers() {
							return nil
						}
						time.Sleep(10 * time.Millisecond)
					}
				case <-time.After(2 * time.Second):
					unexpected.add("user %d: a request failed on a running server: %v", user, err)
				}
			}
			srv = current.Load()
			for attempt := 1; ; attempt++ {
				body, err := favSend(srv, http.MethodGet, favListPath, url.Values{"token": {token}})
				var vs []favVideoState
				if err == nil {
					vs, err = parseFavVideos(body)
				}
				if err == nil {
					resyncs.Add(1)
					clear(liked)
					for _, v := range vs {
						liked[v.ID] = true
					}
					settle()
					return srv
				}
				if attempt == 100 || stopWorkers() {
					unexpected.add("user %d: cannot read its favorite list after a failure: %v", user, err)
					return nil
				}
				time.Sleep(50 * time.Millisecond)
			}
		}

		for succeeded.Load() < actions && !stopWorkers() {
			video := videoIDs[rng.IntN(len(videoIDs))]
			// Mostly real changes; one in four a like or unlike at random, often a repeat.
			like := !liked[video]
			if rng.IntN(4) == 0 {
				like = rng.IntN(2) == 0
			}
			sent := time.Now()
			body, err := favSend(srv, http.MethodPost, favActionPath, favAction(token, video, like))
			took := time.Since(sent) // an action answered after kafka.apply_wait (2 s) did not wait for its counts
			if err != nil {
				failed.Add(1)
				if srv = recoverFrom(err); srv == nil {
					return
				}
				continue
			}
			if string(body) != favOK {
				// Refused: it should not happen, and its outcome is unclear, so relearn.
				unexpected.add("user %d: like=%t of video %d answered %s", user, like, video, body)
				if srv = recoverFrom(nil); srv == nil {
					return
				}
				continue
			}
			if liked[video] != like {
				changes.Add(1)
			}
			liked[video] = like
			if n := succeeded.Add(1); n%killEvery == 0 && n/killEvery <= kills {
				close(killPoints[n/killEvery-1])
			}
			if rng.IntN(checkEvery) != 0 {
				continue
			}
			// Read your writes, under load: the profile's favorite_count and the feed's
			// is_favorite are this user's alone.
			readChecks.Add(1)
			n, err := ownFavoriteCount()
			var vs []favVideoState
			if err == nil {
				body, err = favSend(srv, http.MethodGet, "/douyin/feed/", url.Values{"token": {token}})
				if err == nil {
					vs, err = parseFavVideos(body)
				}
			}
			if err != nil {
				failed.Add(1)
				if srv = recoverFrom(err); srv == nil {
					return
				}
				continue
			}
			since := "before any kill"
			if k := kill.Load(); k != 0 {
				since = fmt.Sprintf("%s after kill %d", time.Since(time.Unix(0, killedAt.Load())).Round(time.Millisecond), k)
			}
			if want := count(); n != want {
				readErrs.add("user %d (%s): favorite_count %d right after its action (like=%t of video %d, answered in %s), want %d",
					user, since, n, like, video, took.Round(time.Millisecond), want)
			}
			for _, v := range vs {
				if v.IsFavorite != liked[v.ID] {
					readErrs.add("user %d (%s): video %d is_favorite %t right after its action (like=%t of video %d, answered in %s), want %t",
						user, since, v.ID, v.IsFavorite, like, video, took.Round(time.Millisecond), liked[v.ID])
				}
			}
		}
	}

	start := time.Now()
	workersDone := make(chan struct{})
	for w := range users {
		wg.Go(func() { worker(w) })
	}
	go func() { wg.Wait(); close(workersDone) }()
	// Whatever happens to the test goroutine, the workers stop before the servers do.
	defer func() {
		aborted.Store(true)
		<-workersDone
	}()

	last := first
	var down time.Duration // from each kill until the new process was healthy
	for k := range kills {
		select {
		case <-killPoints[k]:
		case <-workersDone:
			t.Fatalf("the workers stopped after %d successful actions, before kill %d", succeeded.Load(), k+1)
		}
		at := time.Now()
		done := succeeded.Load()
		killedAt.Store(at.UnixNano())
		kill.Store(int64(k + 1))
		last.sigkill(t)
		last = startServer(t, dataDir, "DOUYIN_DEMO", unthrottled)
		current.Store(last)
		down += time.Since(at)
		t.Logf("kill %d after %d successful actions, %s in; the new process was healthy %s later",
			k+1, done, at.Sub(start).Round(time.Millisecond), time.Since(at).Round(time.Millisecond))
	}
	<-workersDone
	elapsed := time.Since(start)

	unexpected.report(t, "unexpected failures")
	readErrs.report(t, "reads did not show the reader's own last action")
	n := succeeded.Load()
	t.Logf("%d successful actions (%d real changes) in %s: %.0f actions/s, %.0f/s while a process was up; "+
		"%d requests failed around the kills, after which users relearned their likes %d times (%d times the "+
		"count trailed, by an action cut off by a kill, for at most %s); %d read-your-writes checks under load",
		n, changes.Load(), elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), float64(n)/(elapsed-down).Seconds(),
		failed.Load(), resyncs.Load(), lagged.Load(), time.Duration(maxSettle.Load()).Round(time.Millisecond), readChecks.Load())
	if n := succeeded.Load(); n < actions {
		t.Fatalf("only %d successful actions, want at least %d", n, actions)
	}

	// The facts: what the interaction app stored, each user's favorite/list.
	facts := func(s *server) map[int64][]int64 {
		t.Helper()
		out := map[int64][]int64{}
		for _, user := range allUsers {
			vs, err := parseFavVideos(s.get(t, favListPath, url.Values{"user_id": {itoa(user)}}))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if _, ok := authorOf[v.ID]; !ok || slices.Contains(out[user], v.ID) {
					t.Errorf("user %d's favorite list has video %d twice or unknown: %v", user, v.ID, vs)
				}
				out[user] = append(out[user], v.ID)
			}
		}
		return out
	}
	liked := facts(last)
	// The workers' view agrees: every like answered with success is stored, and nothing else.
	for w, user := range ids {
		var want []int64
		for v, l := range models[w] {
			if l {
				want = append(want, v)
			}
		}
		if got := slices.Sorted(slices.Values(liked[user])); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("user %d: favorite/list has %v, but the answers to its actions say %v", user, got, slices.Sorted(slices.Values(want)))
		}
	}
	if len(liked[favDemoAuthor]) != 0 {
		t.Errorf("douyin-demo, who never acted, likes %v", liked[favDemoAuthor])
	}
	likesOn := map[int64]int64{}
	total := 0
	for _, vs := range liked {
		for _, v := range vs {
			likesOn[v]++
			total++
		}
	}
	works, received := map[int64]int64{}, map[int64]int64{}
	for v, a := range authorOf {
		works[a]++
		received[a] += likesOn[v]
	}
	t.Logf("in the end %d likes are stored: %v per video", total, likesOn)

	// mismatches lists every count s shows that differs from the facts.
	mismatches := func(s *server) []string {
		t.Helper()
		var out []string
		vs, err := parseFavVideos(s.get(t, "/douyin/feed/", nil))
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(videos) {
			t.Fatalf("the feed has %d videos, want %d", len(vs), len(videos))
		}
		for _, v := range vs {
			if v.FavoriteCount != likesOn[v.ID] {
				out = append(out, fmt.Sprintf("video %d: feed favorite_count %d, liked by %d", v.ID, v.FavoriteCount, likesOn[v.ID]))
			}
			if v.IsFavorite {
				out = append(out, fmt.Sprintf("video %d: is_favorite true for an anonymous viewer", v.ID))
			}
		}
		for _, user := range allUsers {
			u, err := parseFavUser(s.get(t, "/douyin/user/", url.Values{"user_id": {itoa(user)}, "token": {tokens[0]}}))
			if err != nil {
				t.Fatal(err)
			}
			if u.FavoriteCount != int64(len(liked[user])) {
				out = append(out, fmt.Sprintf("user %d: favorite_count %d, favorite/list has %d", user, u.FavoriteCount, len(liked[user])))
			}
			if u.TotalFavorited != received[user] || u.WorkCount != works[user] {
				out = append(out, fmt.Sprintf("user %d: total_favorited %d, work_count %d; its videos have %d likes, it published %d",
					user, u.TotalFavorited, u.WorkCount, received[user], works[user]))
			}
		}
		for author := range works {
			vs, err := parseFavVideos(s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(author)}}))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if v.FavoriteCount != likesOn[v.ID] || v.Author.TotalFavorited != received[author] {
					out = append(out, fmt.Sprintf("publish/list of %d, video %d: favorite_count %d, author's total_favorited %d; want %d, %d",
						author, v.ID, v.FavoriteCount, v.Author.TotalFavorited, likesOn[v.ID], received[author]))
				}
			}
		}
		return out
	}

	// Counts may trail the likes for a moment after a crash; they must settle on the facts.
	quietStart := time.Now()
	for deadline := quietStart.Add(30 * time.Second); ; {
		diff := mismatches(last)
		if len(diff) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the last action the counts still differ from the likes stored:\n%s", strings.Join(diff, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the counts matched the stored likes %s after the last action", time.Since(quietStart).Round(time.Millisecond))
	// And they stay so: a late duplicate would show now (the relay polls every second).
	time.Sleep(2 * time.Second)
	if diff := mismatches(last); len(diff) > 0 {
		t.Errorf("the counts changed after settling:\n%s", strings.Join(diff, "\n"))
	}

	// A clean restart keeps everything as it is, at once: no event applied again.
	last.stop(t)
	third := startServer(t, dataDir, "DOUYIN_DEMO", unthrottled)
	if again := facts(third); !maps.EqualFunc(again, liked, slices.Equal[[]int64]) {
		t.Errorf("the favorite lists changed over a clean restart:\nbefore: %v\n after: %v", liked, again)
	}
	if diff := mismatches(third); len(diff) > 0 {
		t.Errorf("after a clean restart the counts differ from the likes stored:\n%s", strings.Join(diff, "\n"))
	}
	time.Sleep(2 * time.Second)
	if diff := mismatches(third); len(diff) > 0 {
		t.Errorf("2 s after a clean restart the counts differ from the likes stored:\n%s", strings.Join(diff, "\n"))
	}
}
