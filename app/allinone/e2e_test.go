package allinone_test

// End-to-end tests of the all-in-one binary: it is built once, started as a user would start it
// (a data directory and an HTTP address in DOUYIN_* variables) and driven over HTTP the way the
// Douyin Android app drives it, with every response body compared byte for byte.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long a fresh process may take to answer /healthz.
	startTimeout = 10 * time.Second
	// stopTimeout bounds a graceful shutdown after SIGTERM.
	stopTimeout = 10 * time.Second

	msgLoginRequired = "please log in first: this request needs a token"

	// unthrottled is the setting for tests that act faster than any person would, to test
	// other rules; the throttles have tests of their own (e2e_hostile_test.go).
	unthrottled      = "DOUYIN_RATE_LIMIT_ENABLED=false"
	msgBadToken      = "your login is invalid or has expired, please log in again"
	defaultSignature = "This user hasn't written a signature yet."
)

// zeroUser is the User object every failed user-info answer still carries.
const zeroUser = `{"id":0,"name":"","follow_count":0,"follower_count":0,"is_follow":false,"avatar":"",` +
	`"background_image":"","signature":"","total_favorited":0,"work_count":0,"favorite_count":0}`

var (
	// binDir holds the binary built for this test run; TestMain removes it.
	binDir string
	// buildBinary builds the all-in-one once, on first use, so `go test -run NoMatch` stays fast.
	buildBinary = sync.OnceValues(func() (string, error) {
		bin := filepath.Join(binDir, "allinone")
		cmd := exec.Command("go", "build", "-o", bin, "github.com/douyin-kratos/douyin/app/allinone/cmd/allinone")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build: %v\n%s", err, out)
		}
		return bin, nil
	})
	// client never follows redirects: a 3xx must reach the assertions, because the app breaks on
	// a redirected POST.
	client = &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// jwtPattern is the shape of a compact JWS: three base64url parts.
	jwtPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
)

// builtBinary is the all-in-one built for this run (buildBinary); a failed build fails t.
func builtBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "allinone-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// server is one running all-in-one process.
type server struct {
	baseURL string
	// adminURL is the operators' address: health, readiness, metrics.
	adminURL string
	cmd      *exec.Cmd
	output   *syncBuffer
	exited   chan struct{} // closed once the process has exited; waitErr is then set
	waitErr  error
	stopped  bool
}

// startServer starts the binary on dataDir and a free loopback port and waits until it is
// healthy. The process is stopped, and its clean exit asserted, when the test ends; its output
// is logged if the test failed. Each env entry "KEY=value" adds a variable or overrides one the
// test sets (such as DOUYIN_DEMO=false); a bare "KEY" removes it, so the binary's built-in
// default applies.
func startServer(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	bin := builtBinary(t)
	// The port is free when picked but may be taken before the process binds it (other tests
	// and processes pick ports too): then the process exits at once and another port is tried.
	for attempt := 1; ; attempt++ {
		s, bindFailed := launchServer(t, bin, dataDir, env)
		if !bindFailed {
			return s
		}
		if attempt == 3 {
			t.Fatalf("server exited before becoming healthy, %d ports in a row were taken; output:\n%s", attempt, s.output)
		}
	}
}

// launchServer is one attempt of startServer. It reports whether the process could not bind
// its port, and fails the test on any other problem.
func launchServer(t *testing.T, bin, dataDir string, env []string) (s *server, bindFailed bool) {
	t.Helper()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	s = &server{baseURL: "http://" + addr, adminURL: "http://" + adminAddr, output: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(environWithoutSettings(), "DOUYIN_DATA_DIR="+dataDir, "DOUYIN_HTTP_ADDR="+addr, "DOUYIN_ADMIN_ADDR="+adminAddr, "DOUYIN_DEMO=false")
	s.cmd.Env = withEnv(s.cmd.Env, env)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	dieWithTest(s.cmd)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.stop(t)
		if t.Failed() {
			t.Logf("output of the server at %s:\n%s", s.baseURL, s.output)
		}
	})

	deadline := time.Now().Add(startTimeout)
	for {
		if resp, err := client.Get(s.adminURL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, false
			}
		}
		select {
		case <-s.exited:
			if strings.Contains(s.output.String(), "address already in use") {
				s.stopped = true // nothing left to stop
				return s, true
			}
			t.Fatalf("server exited before becoming healthy (%v); output:\n%s", s.waitErr, s.output)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server at %s not healthy after %s; output:\n%s", s.baseURL, startTimeout, s.output)
		}
	}
}

// stop sends SIGTERM and asserts the process exits with status 0 in time. It is idempotent, so
// a test may stop a server early and the cleanup does nothing more.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			t.Errorf("server did not shut down cleanly after SIGTERM: %v", s.waitErr)
		}
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("server still running %s after SIGTERM; killed", stopTimeout)
	}
}

// environWithoutSettings is this process's environment without DOUYIN_* variables: those of the
// developer's shell (say DOUYIN_DATABASE_DRIVER=mysql) must not leak into a binary the tests run
// on its built-in defaults.
func environWithoutSettings() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOUYIN_") {
			env = append(env, kv)
		}
	}
	return env
}

// withEnv applies startServer's env entries to base: each replaces every variable of its key,
// and a bare key only removes.
func withEnv(base, env []string) []string {
	for _, e := range env {
		key, _, _ := strings.Cut(e, "=")
		base = slices.DeleteFunc(base, func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
		if strings.Contains(e, "=") {
			base = append(base, e)
		}
	}
	return base
}

// runToExit runs the binary with args in env until it exits, as someone at a shell would, and
// returns what it wrote to stdout and to stderr and its exit code. A run that is still going
// after startTimeout fails the test: every run these tests make must end by itself.
func runToExit(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, builtBinary(t), args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%v was still running after %s; stdout:\n%s\nstderr:\n%s", args, startTimeout, &out, &errOut)
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer collects the output of a process while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// host is the host:port the server serves on, as it appears in the image URLs it hands out.
// itoa is n as a query parameter: an id or a time.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// actionType is the action_type of an action (on: like, follow) or of its undoing.
func actionType(on bool) string {
	if on {
		return "1"
	}
	return "2"
}

func (s *server) host() string { return strings.TrimPrefix(s.baseURL, "http://") }

// newRequest builds a request the way the app does: parameters in the query string, no body,
// and no Content-Type header, whatever the method.
func (s *server) newRequest(method, path string, query url.Values) (*http.Request, error) {
	u := s.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Del("Content-Type")
	return req, nil
}

// send performs req and returns the body of a 200 JSON answer, or an error describing any other
// answer. It is safe to call from several goroutines, unlike the helpers that take t.
func send(req *http.Request) ([]byte, error) { return sendWith(client, req) }

// sendWith is send with the client c.
func sendWith(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d (Location %q), want 200; body %s",
			req.Method, req.URL, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, fmt.Errorf("%s %s: Content-Type %q, want application/json; body %s", req.Method, req.URL, ct, body)
	}
	return body, nil
}

// mustSend sends req, whose building returned err, and returns the 200 answer's body; a failed
// building or any other answer fails t.
func mustSend(t *testing.T, req *http.Request, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	body, err := send(req)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func (s *server) do(t *testing.T, method, path string, query url.Values) []byte {
	t.Helper()
	req, err := s.newRequest(method, path, query)
	return mustSend(t, req, err)
}

// post sends a POST as the app does (see newRequest) and returns the 200 answer's body.
func (s *server) post(t *testing.T, path string, query url.Values) []byte {
	t.Helper()
	return s.do(t, http.MethodPost, path, query)
}

// get sends a GET with query and returns the 200 answer's body.
func (s *server) get(t *testing.T, path string, query url.Values) []byte {
	t.Helper()
	return s.do(t, http.MethodGet, path, query)
}

// postForm sends query in the URL and form as an urlencoded body, as web clients do.
func (s *server) postForm(t *testing.T, path string, query, form url.Values) []byte {
	t.Helper()
	req, err := s.newRequest(http.MethodPost, path, query)
	if err == nil {
		req.Body = io.NopCloser(strings.NewReader(form.Encode()))
		req.ContentLength = int64(len(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return mustSend(t, req, err)
}

// assertJSON compares a body with the exact JSON expected, key order and number formatting
// included.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	if !json.Valid([]byte(want)) {
		t.Fatalf("the expected body is not valid JSON: %s", want)
	}
	if string(got) != want {
		t.Errorf("body mismatch\n got: %s\nwant: %s", got, want)
	}
}

// sessionJSON is the exact register/login answer.
func sessionJSON(code int, msg string, userID int64, token string) string {
	return fmt.Sprintf(`{"status_code":%d,"status_msg":%s,"user_id":%d,"token":%s}`, code, quote(msg), userID, quote(token))
}

// quote writes s as a JSON string the way the gateway does (no HTML escaping).
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// assertSession checks a successful register/login answer: the token is a non-empty JWT, and
// with it substituted the whole body is exactly as expected. It returns the token.
func assertSession(t *testing.T, body []byte, msg string, userID int64) string {
	t.Helper()
	var got struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	if !jwtPattern.MatchString(got.Token) {
		t.Errorf("token %q is not three dot-separated base64url parts", got.Token)
	}
	assertJSON(t, body, sessionJSON(0, msg, userID, got.Token))
	return got.Token
}

// registeredID checks a successful register answer for any user id and returns id and token.
func registeredID(t *testing.T, body []byte) (int64, string) {
	t.Helper()
	var got struct {
		UserID int64 `json:"user_id"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	return got.UserID, assertSession(t, body, "registered", got.UserID)
}

// userJSON is the exact user-info answer for a fresh account seen by another (or itself) on s.
func (s *server) userJSON(id int64, name string) string {
	return fmt.Sprintf(`{"status_code":0,"status_msg":"","user":{"id":%d,"name":%s,"follow_count":0,`+
		`"follower_count":0,"is_follow":false,"avatar":"http://%s/static/avatar/%d.png",`+
		`"background_image":"http://%s/static/background/%d.png","signature":%s,"total_favorited":0,`+
		`"work_count":0,"favorite_count":0}}`, id, quote(name), s.host(), id, s.host(), id, quote(defaultSignature))
}

// userFailureJSON is a failed user-info answer: the status and a zero-valued user.
func userFailureJSON(code int, msg string) string {
	return fmt.Sprintf(`{"status_code":%d,"status_msg":%s,"user":%s}`, code, quote(msg), zeroUser)
}

// paramNames lists the keys of query, for naming a subtest without its (long) values.
func paramNames(query url.Values) string {
	names := slices.Sorted(maps.Keys(query))
	return strings.Join(names, ",")
}

// creds are the parameters of register and login.
func creds(username, password string) url.Values {
	return url.Values{"username": {username}, "password": {password}}
}

// Both spellings of a path the app uses; the gateway must answer each directly.
func spellings(path string) []string {
	return []string{path, strings.TrimSuffix(path, "/")}
}

// TestAccounts walks through registering, logging in and reading profiles on one server, then
// every way of getting them wrong. Subtests share the server and the accounts made up front.
func TestAccounts(t *testing.T) {
	s := startServer(t, t.TempDir())

	// Two accounts every subtest relies on: alice (1) and bob (2).
	aliceToken := assertSession(t, s.post(t, "/douyin/user/register/", creds("alice", "alice-pw")), "registered", 1)
	bobToken := assertSession(t, s.post(t, "/douyin/user/register", creds("bob", "bob-pw")), "registered", 2)
	if t.Failed() {
		t.FailNow()
	}

	t.Run("login", func(t *testing.T) {
		for _, path := range spellings("/douyin/user/login/") {
			assertSession(t, s.post(t, path, creds("alice", "alice-pw")), "logged in", 1)
			assertSession(t, s.post(t, path, creds("bob", "bob-pw")), "logged in", 2)
		}
	})

	t.Run("user info", func(t *testing.T) {
		tests := []struct {
			name  string
			query url.Values
			want  string
		}{
			{"own profile by id", url.Values{"user_id": {"1"}, "token": {aliceToken}}, s.userJSON(1, "alice")},
			{"user_id missing means the viewer", url.Values{"token": {aliceToken}}, s.userJSON(1, "alice")},
			{"user_id missing, another viewer", url.Values{"token": {bobToken}}, s.userJSON(2, "bob")},
			{"another user", url.Values{"user_id": {"2"}, "token": {aliceToken}}, s.userJSON(2, "bob")},
			{"float notation 1e0", url.Values{"user_id": {"1e0"}, "token": {bobToken}}, s.userJSON(1, "alice")},
			{"float notation 2.0", url.Values{"user_id": {"2.0"}, "token": {aliceToken}}, s.userJSON(2, "bob")},
			{"float notation 2e+00", url.Values{"user_id": {"2e+00"}, "token": {aliceToken}}, s.userJSON(2, "bob")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, path := range spellings("/douyin/user/") {
					assertJSON(t, s.get(t, path, tt.query), tt.want)
				}
			})
		}
	})

	t.Run("user info failures", func(t *testing.T) {
		otherSecret := signJWT(t, "not-the-server-secret-0123456789", fmt.Sprintf(
			`{"iss":"douyin","sub":"1","iat":%d,"exp":%d}`, time.Now().Unix(), time.Now().Add(time.Hour).Unix()))
		tests := []struct {
			name  string
			query url.Values
			want  string
		}{
			{"no token", url.Values{"user_id": {"1"}}, userFailureJSON(401, msgLoginRequired)},
			{"empty token", url.Values{"user_id": {"1"}, "token": {""}}, userFailureJSON(401, msgLoginRequired)},
			{"garbage token", url.Values{"user_id": {"1"}, "token": {"abc"}}, userFailureJSON(401, msgBadToken)},
			{"token signed with another secret", url.Values{"user_id": {"1"}, "token": {otherSecret}},
				userFailureJSON(401, msgBadToken)},
			{"real token with its signature altered", url.Values{"user_id": {"1"}, "token": {alterSignature(aliceToken)}},
				userFailureJSON(401, msgBadToken)},
			{"real token with its user changed", url.Values{"token": {withSubject(t, aliceToken, "2")}},
				userFailureJSON(401, msgBadToken)},
			{"user_id not a number", url.Values{"user_id": {"abc"}, "token": {aliceToken}},
				userFailureJSON(400, `user_id must be an integer, got "abc"`)},
			{"user_id a fraction", url.Values{"user_id": {"1.5"}, "token": {aliceToken}},
				userFailureJSON(400, `user_id must be an integer, got "1.5"`)},
			{"unknown user_id", url.Values{"user_id": {"999"}, "token": {aliceToken}}, userFailureJSON(404, "user not found")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, path := range spellings("/douyin/user/") {
					assertJSON(t, s.get(t, path, tt.query), tt.want)
				}
			})
		}
	})

	t.Run("register and login refusals change nothing", func(t *testing.T) {
		long := strings.Repeat("é", 33)
		tests := []struct {
			name               string
			username, password string
			code               int
			msg                string
			// afterwards is what logging in with username (and a valid password, if the
			// refused one was not) answers: nothing may have been stored.
			afterwardsCode int
			afterwardsMsg  string
		}{
			{"taken username", "alice", "another-pw", 409, "this username is already taken",
				401, "wrong username or password"},
			{"empty username", "", "pw", 400, "username must not be empty",
				400, "username must not be empty"},
			{"33-character username", long, "pw", 400, "username must be at most 32 characters, got 33",
				400, "username must be at most 32 characters, got 33"},
			{"username with a zero-width space", "carol\u200b", "pw", 400, "username must not contain invisible, control or text-direction characters",
				400, "username must not contain invisible, control or text-direction characters"},
			{"empty password", "nopass", "", 400, "password must not be empty",
				401, "wrong username or password"},
			{"33-character password", "longpass", long, 400, "password must be at most 32 characters, got 33",
				401, "wrong username or password"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, path := range spellings("/douyin/user/register/") {
					assertJSON(t, s.post(t, path, creds(tt.username, tt.password)), sessionJSON(tt.code, tt.msg, 0, ""))
				}
				password := tt.password
				if password == "" || password == long {
					password = "a-valid-password"
				}
				assertJSON(t, s.post(t, "/douyin/user/login/", creds(tt.username, password)),
					sessionJSON(tt.afterwardsCode, tt.afterwardsMsg, 0, ""))
			})
		}
		// The refused attempt on "alice" kept her password.
		assertSession(t, s.post(t, "/douyin/user/login/", creds("alice", "alice-pw")), "logged in", 1)
	})

	t.Run("login refusals", func(t *testing.T) {
		for _, path := range spellings("/douyin/user/login/") {
			// An unknown name and a wrong password answer alike: answers must not list accounts.
			assertJSON(t, s.post(t, path, creds("alice", "bob-pw")), sessionJSON(401, "wrong username or password", 0, ""))
			assertJSON(t, s.post(t, path, creds("nobody", "pw")), sessionJSON(401, "wrong username or password", 0, ""))
			assertJSON(t, s.post(t, path, creds("alice", "")), sessionJSON(400, "password must not be empty", 0, ""))
			assertJSON(t, s.post(t, path, nil), sessionJSON(400, "username must not be empty", 0, ""))
		}
	})

	t.Run("32 characters are allowed, counted as characters not bytes", func(t *testing.T) {
		name, password := strings.Repeat("抖", 32), strings.Repeat("é", 32)
		// Every refusal above stored nothing, so this is the third account.
		token := assertSession(t, s.post(t, "/douyin/user/register/", creds(name, password)), "registered", 3)
		assertSession(t, s.post(t, "/douyin/user/login/", creds(name, password)), "logged in", 3)
		assertJSON(t, s.get(t, "/douyin/user/", url.Values{"token": {token}}), s.userJSON(3, name))
	})

	t.Run("a repeated key takes its first value", func(t *testing.T) {
		q := url.Values{"username": {"dup", "other"}, "password": {"p", "q"}}
		id, _ := registeredID(t, s.post(t, "/douyin/user/register/", q))
		assertSession(t, s.post(t, "/douyin/user/login/", creds("dup", "p")), "logged in", id)
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("dup", "q")), sessionJSON(401, "wrong username or password", 0, ""))
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("other", "p")), sessionJSON(401, "wrong username or password", 0, ""))
	})

	t.Run("urlencoded form body", func(t *testing.T) {
		id, _ := registeredID(t, s.postForm(t, "/douyin/user/register/", nil, creds("formuser", "form-pw")))
		assertSession(t, s.postForm(t, "/douyin/user/login", nil, creds("formuser", "form-pw")), "logged in", id)
		assertSession(t, s.post(t, "/douyin/user/login/", creds("formuser", "form-pw")), "logged in", id)

		// A key in both places: the query wins, per key.
		id, _ = registeredID(t, s.postForm(t, "/douyin/user/register/",
			url.Values{"username": {"queryuser"}}, creds("bodyuser", "body-pw")))
		assertSession(t, s.post(t, "/douyin/user/login/", creds("queryuser", "body-pw")), "logged in", id)
		assertJSON(t, s.post(t, "/douyin/user/login/", creds("bodyuser", "body-pw")), sessionJSON(401, "wrong username or password", 0, ""))
		assertSession(t, s.postForm(t, "/douyin/user/login/",
			creds("queryuser", "body-pw"), creds("queryuser", "wrong")), "logged in", id)
	})

	t.Run("avatar and background images", func(t *testing.T) {
		var info struct {
			User struct {
				Avatar          string `json:"avatar"`
				BackgroundImage string `json:"background_image"`
			} `json:"user"`
		}
		if err := json.Unmarshal(s.get(t, "/douyin/user/", url.Values{"token": {aliceToken}}), &info); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{info.User.Avatar, info.User.BackgroundImage} {
			resp, err := client.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
				t.Errorf("GET %s: HTTP %d, Content-Type %q; want 200 image/png", u, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("GET %s: body does not start with the PNG signature: %q", u, body[:min(len(body), 16)])
			}
		}
	})

	t.Run("no route redirects", func(t *testing.T) {
		// Every route of the contract, parameterless: whatever the answer, it is a 200 with the
		// JSON envelope, never a redirect (send refuses anything but 200).
		routes := []struct{ method, path string }{
			{"GET", "/douyin/feed/"}, {"POST", "/douyin/user/register/"}, {"POST", "/douyin/user/login/"},
			{"GET", "/douyin/user/"}, {"POST", "/douyin/publish/action/"}, {"GET", "/douyin/publish/list/"},
			{"POST", "/douyin/favorite/action/"}, {"GET", "/douyin/favorite/list/"},
			{"POST", "/douyin/comment/action/"}, {"GET", "/douyin/comment/list/"},
			{"POST", "/douyin/relation/action/"}, {"GET", "/douyin/relation/follow/list/"},
			{"GET", "/douyin/relation/follower/list/"}, {"GET", "/douyin/relation/friend/list/"},
			{"GET", "/douyin/message/chat/"}, {"POST", "/douyin/message/action/"},
		}
		for _, r := range routes {
			for _, path := range spellings(r.path) {
				body := s.do(t, r.method, path, nil)
				var env struct {
					StatusCode *int    `json:"status_code"`
					StatusMsg  *string `json:"status_msg"`
				}
				if err := json.Unmarshal(body, &env); err != nil || env.StatusCode == nil || env.StatusMsg == nil {
					t.Errorf("%s %s: no status envelope (%v): %s", r.method, path, err, body)
				}
			}
		}
	})
}

// TestRestartKeepsAccountsAndTokens stops the server and starts another process on the same
// data directory: accounts and the token secret must both survive.
func TestRestartKeepsAccountsAndTokens(t *testing.T) {
	dataDir := t.TempDir()
	first := startServer(t, dataDir)
	token := assertSession(t, first.post(t, "/douyin/user/register/", creds("alice", "alice-pw")), "registered", 1)
	assertJSON(t, first.get(t, "/douyin/user/", url.Values{"token": {token}}), first.userJSON(1, "alice"))
	first.stop(t)
	if t.Failed() {
		t.FailNow()
	}

	second := startServer(t, dataDir)
	assertJSON(t, second.get(t, "/douyin/user/", url.Values{"user_id": {"1"}, "token": {token}}), second.userJSON(1, "alice"))
	assertSession(t, second.post(t, "/douyin/user/login/", creds("alice", "alice-pw")), "logged in", 1)
	assertJSON(t, second.post(t, "/douyin/user/register/", creds("alice", "x")), sessionJSON(409, "this username is already taken", 0, ""))
	assertSession(t, second.post(t, "/douyin/user/register/", creds("bob", "bob-pw")), "registered", 2)
}

// TestOperationsEndpoints checks what an operator reads on the all-in-one's admin address:
// readiness covering every app's database, and metrics counting the calls the apps answered;
// and that none of it is on the public address.
func TestOperationsEndpoints(t *testing.T) {
	s := startServer(t, t.TempDir())
	assertSession(t, s.post(t, "/douyin/user/register/", creds("olga", "olga-pw")), "registered", 1)
	s.post(t, "/douyin/user/login/", creds("olga", "wrong"))

	plain := func(path string) string {
		resp, err := http.Get(s.adminURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %q %v", path, resp.StatusCode, body, err)
		}
		return string(body)
	}
	if ready := plain("/readyz"); ready != "ready\n" {
		t.Fatalf("/readyz: %q; want ready", ready)
	}
	if index := plain("/debug/pprof/"); !strings.Contains(index, "goroutine") {
		t.Fatalf("/debug/pprof/ on the admin address: %.200q; want the profiles' index", index)
	}
	metrics := plain("/metrics")
	for _, want := range []string{
		`douyin_server_requests_total{code="200",kind="http",operation="/douyin/user/register",reason=""} 1`,
		`douyin_server_requests_total{code="401",kind="http",operation="/douyin/user/login",reason="WRONG_CREDENTIALS"} 1`,
		`douyin_server_requests_total{code="200",kind="grpc",operation="/douyin.user.v1.UserService/Register",reason=""} 1`,
		`douyin_server_request_duration_seconds_count{kind="http",operation="/douyin/user/register"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/debug/pprof/", "/debug/pprof/profile"} {
		resp, err := http.Get(s.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on the public address: HTTP %d %s; want 404, it is the admin address's", path, resp.StatusCode, body)
		}
	}
}

// TestReadinessNamesWhatIsMissing: a process that cannot publish (no ffmpeg) or whose counts
// would not move (no Kafka broker answering) is alive but not ready, and says why.
func TestReadinessNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	away := freeAddr(t) // nothing listens there
	s := startServer(t, t.TempDir(), "DOUYIN_VIDEO_FFMPEG=definitely-not-ffmpeg", "DOUYIN_KAFKA_BROKERS="+away)
	var resp *http.Response
	var body []byte
	for deadline := time.Now().Add(startTimeout); ; time.Sleep(50 * time.Millisecond) {
		var err error
		if resp, err = http.Get(s.adminURL + "/readyz"); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "not serving") || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "ffmpeg: ") ||
		!strings.Contains(string(body), "install ffmpeg") || !strings.Contains(string(body), "kafka: ") || !strings.Contains(string(body), away) {
		t.Fatalf("/readyz without ffmpeg and Kafka: %d %q; want 503 naming both", resp.StatusCode, body)
	}
	if resp, err := http.Get(s.adminURL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v; want 200, the process runs", resp, err)
	}
}

// TestTwoInstancesSideBySide runs two installs at once, each with its own data directory and
// port: they must not share accounts or token secrets.
func TestTwoInstancesSideBySide(t *testing.T) {
	a, b := startServer(t, t.TempDir()), startServer(t, t.TempDir())
	tokenA := assertSession(t, a.post(t, "/douyin/user/register/", creds("same", "pw-a")), "registered", 1)
	tokenB := assertSession(t, b.post(t, "/douyin/user/register/", creds("same", "pw-b")), "registered", 1)
	assertJSON(t, a.get(t, "/douyin/user/", url.Values{"token": {tokenA}}), a.userJSON(1, "same"))
	assertJSON(t, b.get(t, "/douyin/user/", url.Values{"token": {tokenB}}), b.userJSON(1, "same"))
	assertJSON(t, a.post(t, "/douyin/user/login/", creds("same", "pw-b")), sessionJSON(401, "wrong username or password", 0, ""))
	// Each install made its own secret, so a token from one means nothing to the other.
	assertJSON(t, b.get(t, "/douyin/user/", url.Values{"token": {tokenA}}), userFailureJSON(401, msgBadToken))
}

// TestConcurrentRegistrations registers at once, as a burst of phones would: distinct names all
// succeed with distinct ids, and of racing registrations of one name exactly one wins.
func TestConcurrentRegistrations(t *testing.T) {
	s := startServer(t, t.TempDir())

	// register sends n registrations at once, the i-th for username(i), and returns the bodies.
	register := func(t *testing.T, n int, username func(int) string) [][]byte {
		t.Helper()
		bodies := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				req, err := s.newRequest(http.MethodPost, "/douyin/user/register/", creds(username(i), fmt.Sprintf("pw-%d", i)))
				if err == nil {
					bodies[i], err = send(req)
				}
				if err != nil {
					t.Errorf("registration %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		return bodies
	}

	t.Run("distinct usernames", func(t *testing.T) {
		const n = 20
		seen := map[int64]bool{}
		for i, body := range register(t, n, func(i int) string { return fmt.Sprintf("user%02d", i) }) {
			id, _ := registeredID(t, body)
			if id < 1 || id > n || seen[id] {
				t.Errorf("registration %d got user_id %d: want distinct ids in 1..%d", i, id, n)
			}
			seen[id] = true
		}
	})

	t.Run("one username", func(t *testing.T) {
		const n = 10
		winners := 0
		for _, body := range register(t, n, func(int) string { return "race" }) {
			if bytes.Contains(body, []byte(`"status_code":0,`)) {
				winners++
				registeredID(t, body)
				continue
			}
			assertJSON(t, body, sessionJSON(409, "this username is already taken", 0, ""))
		}
		if winners != 1 {
			t.Errorf("%d of %d racing registrations of one name succeeded, want exactly 1", winners, n)
		}
	})
}

// signJWT returns an HS256 token with claims, signed with secret.
func signJWT(t *testing.T, secret, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// alterSignature changes the first character of token's signature. (The last one would not do:
// its low bits are padding that lenient base64 decoders ignore.)
func alterSignature(token string) string {
	i := strings.LastIndexByte(token, '.') + 1
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// withSubject rewrites the subject (user id) in token's claims, keeping the original signature.
func withSubject(t *testing.T, token, sub string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = sub
	if raw, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}
