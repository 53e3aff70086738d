package allinone_test

// Attacks a single user or connection could make on the public address, reproduced against the
// real binary, each with the defence that now holds: throttles, login that tells nothing,
// usernames compared as people read them, tokens only as good as their accounts, connection
// caps and timeouts, and an access log that shows it all. Where the defaults would make an
// attack slow to reproduce, small limits are configured; the same probes at default settings
// run too.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	msgWrongCredentials = "wrong username or password"
	msgBadName          = "username must not contain invisible, control or text-direction characters"
)

// metric returns the value of the series named exactly series on the admin address, 0 if absent.
func (s *server) metric(t *testing.T, series string) float64 {
	t.Helper()
	_, body := fetch(t, s.adminURL+"/metrics", nil)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// timedPost is post that also reports how long the answer took.
func (s *server) timedPost(t *testing.T, path string, query url.Values) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	body := s.post(t, path, query)
	return body, time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestLoginGuessing: 60 wrong passwords for one account used to be tried as fast as the server
// hashed them. Now after the free ones each further attempt waits, doubling, and the wait holds
// for every spelling of the name.
func TestLoginGuessing(t *testing.T) {
	t.Parallel()
	t.Run("small limits: the wait doubles and a right password ends it", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, t.TempDir(), "DOUYIN_RATE_LIMIT_LOGIN_FAILURES_FREE=3", "DOUYIN_RATE_LIMIT_LOGIN_FAILURES_DELAY=1s")
		s.register(t, "alice")
		for i := 0; i < 3; i++ {
			assertJSON(t, s.post(t, "/douyin/user/login/", creds("alice", "guess")), sessionJSON(401, msgWrongCredentials, 0, ""))
		}
		waitMsg := "too many wrong passwords for this name: please try again in 1 second"
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("alice", "guess")), sessionJSON(429, waitMsg, 0, ""))
		// While the wait lasts even the right password is refused: otherwise guessing goes on.
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("alice", "alice-pw")), sessionJSON(429, waitMsg, 0, ""))
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("ａｌｉｃｅ", "alice-pw")), sessionJSON(429, waitMsg, 0, ""))
		time.Sleep(1100 * time.Millisecond)
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("alice", "guess")), sessionJSON(401, msgWrongCredentials, 0, ""))
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("alice", "alice-pw")),
			sessionJSON(429, "too many wrong passwords for this name: please try again in 2 seconds", 0, ""))
		time.Sleep(2100 * time.Millisecond)
		assertSession(t, s.post(t, "/douyin/user/login/", creds("alice", "alice-pw")), "logged in", 1)
		// The success wiped the count: three free failures again.
		for i := 0; i < 3; i++ {
			assertJSON(t, s.post(t, "/douyin/user/login/", creds("alice", "guess")), sessionJSON(401, msgWrongCredentials, 0, ""))
		}
	})
	t.Run("defaults: of 60 guesses 5 are tried", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, t.TempDir())
		s.register(t, "victim")
		s.register(t, "bystander")
		tried, refused := 0, 0
		var fifth time.Time
		for i := 0; i < 60; i++ {
			body := string(s.post(t, "/douyin/user/login/", creds("victim", fmt.Sprintf("guess-%d", i))))
			switch {
			case strings.Contains(body, `"status_code":401`):
				if tried++; tried == 5 {
					fifth = time.Now()
				}
			case strings.Contains(body, `"status_code":429`):
				refused++
			default:
				t.Fatalf("guess %d: %s", i, body)
			}
		}
		// After the fifth failure the next guess waits 1 s, the one after 2 s more.
		if want := 5; tried != want && !(time.Since(fifth) >= time.Second && tried <= want+2) {
			t.Fatalf("%d guesses tried, %d refused; want 5 tried", tried, refused)
		}
		// The login budget of this address is spent too (30 at once, then one a second), but
		// another client is not held up, neither by the victim's failures nor by the address.
		other := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext,
		}}
		req, err := s.newRequest(http.MethodPost, "/douyin/user/login/", creds("bystander", "bystander-pw"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := other.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assertSession(t, body, "logged in", 2)
	})
}

// TestLoginTellsNoNames: an unknown name used to answer 404 "user not found" at once and a
// wrong password 401 after the password check, so names could be listed by the thousand a
// second. Now both answer alike, after the same password check.
func TestLoginTellsNoNames(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	const n = 9
	for i := 0; i < n; i++ {
		s.register(t, fmt.Sprintf("known%d", i))
	}
	var known, unknown []time.Duration
	for i := 0; i < n; i++ {
		// One attempt per name: no failed-login wait comes into play.
		body, d := s.timedPost(t, "/douyin/user/login/", creds(fmt.Sprintf("known%d", i), "wrong"))
		assertJSON(t, body, sessionJSON(401, msgWrongCredentials, 0, ""))
		known = append(known, d)
		body, d = s.timedPost(t, "/douyin/user/login/", creds(fmt.Sprintf("unknown%d", i), "wrong"))
		assertJSON(t, body, sessionJSON(401, msgWrongCredentials, 0, ""))
		unknown = append(unknown, d)
	}
	// The password hash dominates both; before, the unknown name took a small fraction of the time.
	if k, u := median(known), median(unknown); u < k/2 || u > 2*k {
		t.Fatalf("median answer %s for unknown names, %s for wrong passwords: want them alike", u, k)
	}
}

// TestUsernamesAsPeopleReadThem: "alice\u200b", "\u202ealice" and a full-width "ａlice" used
// to register as three more accounts next to alice.
func TestUsernamesAsPeopleReadThem(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	s.register(t, "alice")
	for _, name := range []string{"alice\u200b", "\u202ealice", "al\u200dice", "alice\u2060"} {
		assertJSON(t, s.post(t, "/douyin/user/register/", creds(name, "pw")), sessionJSON(400, msgBadName, 0, ""))
	}
	for _, name := range []string{"ａlice", "ａｌｉｃｅ", " alice ", "alice\u3000"} {
		assertJSON(t, s.post(t, "/douyin/user/register/", creds(name, "pw")), sessionJSON(409, "this username is already taken", 0, ""))
	}
	// Whatever spelling alice types, she is alice.
	assertSession(t, s.post(t, "/douyin/user/login/", creds("ａｌｉｃｅ", "alice-pw")), "logged in", 1)
	// Case still tells names apart, and nothing above stored an account.
	assertSession(t, s.post(t, "/douyin/user/register/", creds("Alice", "pw")), "registered", 2)
}

// TestTokenOfAResetDataSet: with the secret kept and the data reset, a token used to act for
// its user id: likes, comments, follows and publishes succeeded for a user that did not exist,
// and counts stopped matching lists. Now such a token acts for nobody, also once the id belongs
// to a new account.
func TestTokenOfAResetDataSet(t *testing.T) {
	t.Parallel()
	const secret = "DOUYIN_AUTH_TOKEN_SECRET=a-secret-the-operator-kept-0123456789"
	old := startServer(t, t.TempDir(), secret)
	_, stale := old.register(t, "alice")
	old.stop(t)

	time.Sleep(1100 * time.Millisecond) // the new account is made a second after the token
	s := startServer(t, t.TempDir(), secret, "DOUYIN_DEMO")
	videos := s.waitDemoVideos(t)
	refusedEverywhere := func(token string) {
		t.Helper()
		bad := statusJSON(401, msgBadToken)
		video := itoa(videos[0].id)
		assertJSON(t, s.post(t, "/douyin/favorite/action/", url.Values{"token": {token}, "video_id": {video}, "action_type": {"1"}}), bad)
		assertJSON(t, s.post(t, "/douyin/comment/action/", url.Values{"token": {token}, "video_id": {video}, "action_type": {"1"}, "comment_text": {"hi"}}),
			`{"status_code":401,"status_msg":"`+msgBadToken+`","comment":{"id":0,"user":`+zeroUser+`,"content":"","create_date":""}}`)
		assertJSON(t, s.post(t, "/douyin/relation/action/", url.Values{"token": {token}, "to_user_id": {"1"}, "action_type": {"1"}}), bad)
		assertJSON(t, s.post(t, "/douyin/message/action/", url.Values{"token": {token}, "to_user_id": {"1"}, "action_type": {"1"}, "content": {"hi"}}), bad)
		assertJSON(t, s.get(t, "/douyin/user/", url.Values{"token": {token}}), userFailureJSON(401, msgBadToken))
		assertJSON(t, s.publish(t, nil, appUpload("clip.mp4", []byte("not even a video"), token, "stale")...), bad)
	}
	// The demo account is user 1: the stale token names it, and was issued before it existed.
	refusedEverywhere(stale)
	// A fresh account and its own token work; the stale one still does not.
	id, fresh := s.register(t, "mallory")
	assertJSON(t, s.post(t, "/douyin/relation/action/", url.Values{"token": {fresh}, "to_user_id": {"1"}, "action_type": {"1"}}), statusJSON(0, ""))
	refusedEverywhere(stale)
	if id == 1 {
		t.Fatal("the demo account was expected to hold id 1")
	}
	// The follower count matches the follower list: nothing was counted for the stale token.
	follower := string(s.get(t, "/douyin/relation/follower/list/", url.Values{"token": {fresh}, "user_id": {"1"}}))
	if strings.Count(follower, `"id":`) != 1 || !strings.Contains(string(s.get(t, "/douyin/user/", url.Values{"token": {fresh}, "user_id": {"1"}})), `"follower_count":1`) {
		t.Fatalf("follower list %s does not match a follower_count of 1", follower)
	}
}

// TestThrottledWrites: one account used to post 2,100 comments in 2.4 s. Every write is now
// throttled per user (sign-ups per address), at the defaults, with a status_msg that says when
// to try again.
func TestThrottledWrites(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "DOUYIN_DEMO")
	video := itoa(s.waitDemoVideos(t)[0].id)
	flooderID, token := s.register(t, "flooder")
	friendID, other := s.register(t, "friend")
	for _, follow := range []url.Values{followAction(token, friendID, true), followAction(other, flooderID, true)} {
		assertJSON(t, s.post(t, "/douyin/relation/action/", follow), statusJSON(0, ""))
	}

	tooMany := regexp.MustCompile(`^\{"status_code":429,"status_msg":"too many ([a-z -]+): please try again in \d+ (seconds?|minutes)"`)
	// flood sends n actions as fast as it can, and checks that burst of them succeeded, plus
	// at most the events the rate refilled while it ran, and that the rest were refused with
	// a message about what. It returns how many were refused.
	flood := func(t *testing.T, n, burst int, interval time.Duration, what string, action func(i int) []byte) int {
		t.Helper()
		start := time.Now()
		var refused []string
		for i := 0; i < n; i++ {
			if body := string(action(i)); !strings.Contains(body, `"status_code":0`) {
				refused = append(refused, body)
			}
		}
		allowed, refilled := n-len(refused), int(time.Since(start)/interval)+1
		if allowed < burst || allowed > burst+refilled {
			t.Fatalf("%d of %d allowed; want the burst of %d and at most %d refilled: %v", allowed, n, burst, refilled, refused)
		}
		for _, r := range refused {
			if m := tooMany.FindStringSubmatch(r); m == nil || m[1] != what {
				t.Fatalf("refusal %s; want a 429 about %s saying when to retry", r, what)
			}
		}
		return len(refused)
	}
	var refusedComments int
	t.Run("comments: a burst of 10, then one every 3 seconds", func(t *testing.T) {
		refusedComments = flood(t, 40, 10, 3*time.Second, "comments", func(i int) []byte {
			return s.post(t, "/douyin/comment/action/", url.Values{"token": {token}, "video_id": {video}, "action_type": {"1"}, "comment_text": {fmt.Sprint("spam ", i)}})
		})
		list := string(s.get(t, "/douyin/comment/list/", url.Values{"video_id": {video}}))
		if n := strings.Count(list, `"content":"spam`); n != 40-refusedComments {
			t.Fatalf("comment list holds %d comments; want the %d allowed", n, 40-refusedComments)
		}
	})
	t.Run("likes: a burst of 30, then 10 a second", func(t *testing.T) {
		flood(t, 60, 30, 100*time.Millisecond, "likes", func(i int) []byte {
			return s.post(t, "/douyin/favorite/action/", url.Values{"token": {token}, "video_id": {video}, "action_type": {strconv.Itoa(1 + i%2)}})
		})
	})
	t.Run("messages: a burst of 10 to one user, of 20 in all", func(t *testing.T) {
		to := func(id int64) url.Values {
			return url.Values{"token": {token}, "to_user_id": {itoa(id)}, "action_type": {"1"}, "content": {"hi"}}
		}
		flood(t, 15, 10, 2*time.Second, "messages to this user", func(int) []byte { return s.post(t, "/douyin/message/action/", to(friendID)) })
		// The friend can still answer: the budget is the sender's and the pair's.
		assertJSON(t, s.post(t, "/douyin/message/action/", url.Values{"token": {other}, "to_user_id": {itoa(flooderID)}, "action_type": {"1"}, "content": {"hi"}}), statusJSON(0, ""))
	})
	t.Run("sign-ups: a burst of 30 from one address", func(t *testing.T) {
		// Two of the burst were spent above.
		flood(t, 30, 28, 2*time.Minute, "sign-ups from your network", func(i int) []byte {
			return s.post(t, "/douyin/user/register/", creds(fmt.Sprintf("bot%02d", i), "pw"))
		})
	})
	// Refusals are counted by reason.
	if n := s.metric(t, `douyin_server_requests_total{code="429",kind="http",operation="/douyin/comment/action",reason="TOO_MANY_REQUESTS"}`); int(n) != refusedComments {
		t.Fatalf("refused comments counted %v; want %d", n, refusedComments)
	}
}

// TestForwardedForOnlyFromTrustedProxies: the client address behind a proxy comes from
// X-Forwarded-For, but only when the peer is a proxy the operator named; otherwise anyone could
// pick a new address per request and never be throttled.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	register := func(s *server, name, forwardedFor string) string {
		t.Helper()
		req, err := s.newRequest(http.MethodPost, "/douyin/user/register/", creds(name, "pw"))
		if err == nil {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		return string(mustSend(t, req, err))
	}
	const burst = "DOUYIN_RATE_LIMIT_REGISTER_BURST=2"
	refusal := `"status_code":429`
	behindProxy := startServer(t, t.TempDir(), burst, "DOUYIN_HTTP_TRUSTED_PROXIES=127.0.0.1/32")
	open := startServer(t, t.TempDir(), burst)
	for i, want := range []bool{false, false, true} {
		if got := strings.Contains(register(behindProxy, fmt.Sprint("a", i), "203.0.113.1, 198.51.100.7"), refusal); got != want {
			t.Fatalf("sign-up %d from 198.51.100.7 behind the proxy: refused %v; want %v", i+1, got, want)
		}
	}
	if body := register(behindProxy, "b", "198.51.100.8"); strings.Contains(body, refusal) {
		t.Fatalf("another client behind the proxy was refused: %s", body)
	}
	// Not a trusted proxy: the header is the client's own word and changes nothing.
	for i, want := range []bool{false, false, true} {
		if got := strings.Contains(register(open, fmt.Sprint("c", i), fmt.Sprintf("198.51.100.%d", i)), refusal); got != want {
			t.Fatalf("sign-up %d with a made-up X-Forwarded-For: refused %v; want %v", i+1, got, want)
		}
	}
}

// TestSilentConnections: 24,000 connections that send nothing used to make the feed time out
// and the server log "accept4: too many open files". Now the server holds at most a cap of
// connections, closing the one that waited longest without a request to make room, and an
// ordinary request gets in. Reproduced with a cap of 50 and 300 silent connections.
func TestSilentConnections(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "DOUYIN_HTTP_MAX_CONNECTIONS=50")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", s.host())
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	start := time.Now()
	body := s.get(t, "/douyin/feed/", nil)
	if !strings.HasPrefix(string(body), `{"status_code":0,`) {
		t.Fatalf("feed behind 300 silent connections: %s", body)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the feed took %s behind silent connections", took)
	}
	// At most 50 of them are still held (the feed's own connection among them).
	held := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && strings.Contains(err.Error(), "timeout") {
			held++
		}
	}
	if held > 50 {
		t.Fatalf("%d silent connections still held over a cap of 50", held)
	}
	if n := s.metric(t, `douyin_refusals_total{reason="connection_evicted"}`); n < 250 {
		t.Fatalf("connections evicted: %v; want at least 250 counted", n)
	}
	out := s.output.String()
	if strings.Contains(out, "too many open files") || !strings.Contains(out, "connections shed to stay under the cap") {
		t.Fatalf("the log should say connections were shed, and never run out of files:\n%s", out)
	}
}

// TestHalfAHeader: a connection that sent half a header used to be held open indefinitely.
// Now it has read_header_timeout to finish; at the default (10 s) too.
func TestHalfAHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		env     []string
		timeout time.Duration
	}{
		{"configured 1 s", []string{"DOUYIN_HTTP_READ_HEADER_TIMEOUT=1s"}, time.Second},
		{"default", nil, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, t.TempDir(), tc.env...)
			c, err := net.Dial("tcp", s.host())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			if _, err := io.WriteString(c, "GET /douyin/feed/ HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(tc.timeout + 5*time.Second))
			_, _ = io.Copy(io.Discard, bufio.NewReader(c)) // until the server closes it
			if took := time.Since(start); took < tc.timeout-100*time.Millisecond || took > tc.timeout+3*time.Second {
				t.Fatalf("half a header held for %s; want about %s", took, tc.timeout)
			}
		})
	}
}

// TestAccessLog: none of the attacks above used to leave a trace in the log. Every request now
// leaves one line, with the user, the client and both statuses, and never a token or password.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	id, token := s.register(t, "logged")
	s.post(t, "/douyin/user/login/", creds("logged", "secret-guess"))
	s.get(t, "/douyin/feed/", url.Values{"token": {token}, "latest_time": {"1700000000000"}})
	resp, err := http.Get(s.baseURL + "/no/such/route?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	var lines []string
	deadline := time.Now().Add(2 * time.Second)
	for len(lines) < 4 && time.Now().Before(deadline) {
		lines = lines[:0]
		for _, l := range strings.Split(s.output.String(), "\n") {
			if strings.Contains(l, "msg=access") {
				lines = append(lines, l)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := []string{
		"path=/douyin/user/register query=\"password=*&username=*\" status=200 code=0",
		"path=/douyin/user/login query=\"password=*&username=*\" status=200 code=401",
		"path=/douyin/feed query=\"latest_time=1700000000000&token=*\" status=200 code=0",
		"path=/no/such/route query=\"token=*\" status=404 code=0",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d access lines; want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "client=127.0.0.1") || !strings.Contains(lines[i], "latency_ms=") {
			t.Errorf("line %d: %s\nwant it to hold %q, the client and the latency", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[2], fmt.Sprintf("user=%d", id)) {
		t.Errorf("the feed's line does not name its user %d: %s", id, lines[2])
	}
	if out := s.output.String(); strings.Contains(out, token) || strings.Contains(out, "secret-guess") || strings.Contains(out, "logged-pw") {
		t.Fatal("a token or password reached the log")
	}
}

// TestOrdinaryTrafficDuringAFlood: while one client floods comments and another guesses
// passwords, other users' feeds keep being served.
func TestOrdinaryTrafficDuringAFlood(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "DOUYIN_DEMO")
	video := itoa(s.waitDemoVideos(t)[0].id)
	_, flooder := s.register(t, "flooder")
	s.register(t, "victim")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, attack := range []func() *http.Request{
		func() *http.Request {
			req, _ := s.newRequest(http.MethodPost, "/douyin/comment/action/",
				url.Values{"token": {flooder}, "video_id": {video}, "action_type": {"1"}, "comment_text": {"spam"}})
			return req
		},
		func() *http.Request {
			req, _ := s.newRequest(http.MethodPost, "/douyin/user/login/", creds("victim", "guess"))
			return req
		},
	} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if body, err := send(attack()); err != nil || !strings.Contains(string(body), `"status_code":`) {
					t.Errorf("an attack request got no answer: %v %s", err, body)
					return
				}
			}
		})
	}
	for i := 0; i < 50; i++ {
		if body := s.get(t, "/douyin/feed/", nil); !strings.HasPrefix(string(body), `{"status_code":0,`) {
			t.Fatalf("feed during the flood: %s", body)
		}
	}
	close(stop)
	wg.Wait()
}
