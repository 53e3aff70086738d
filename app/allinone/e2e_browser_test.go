package allinone_test

// The browser end-to-end test: the web client the all-in-one serves at /, driven in headless
// Chromium (Debian's chromium package, never a downloaded browser) by two people at once, each in
// a browser context of their own: alice on a phone-sized screen, bob on a desktop. Everything
// goes through the page, as a person would click and type; the test reads the API only to
// compare what the page shows with what the server says.
//
// Screenshots of every screen go to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (the README
// shows them), otherwise to a folder under the system's temporary directory that the test logs,
// kept for looking at after a failure.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath finds Debian's Chromium (DOUYIN_TEST_CHROMIUM overrides). Its absence fails the
// test: CI installs it (.ci/run), and a skip would hide that the page went untested.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DOUYIN_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the browser end-to-end test needs Chromium: apt-get install chromium (or set DOUYIN_TEST_CHROMIUM " +
		"to a Chromium binary); go test -short skips this test")
	return ""
}

// screenshotDir is where the screenshots go (see the file comment).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "douyin-browser-screenshots")
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshots in %s", abs)
	return dir
}

// tab is one person's browser: its own context (storage, cookies), a viewport, and what it saw
// go wrong (console errors, uncaught exceptions, requests to another host).
type tab struct {
	t        *testing.T
	name     string
	ctx      context.Context
	s        *server
	shots    string
	mu       sync.Mutex
	problems []string
}

func openTab(t *testing.T, browser context.Context, s *server, shots, name string, width, height int64, phone bool) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, name: name, ctx: ctx, s: s, shots: shots}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.problem("console: %s (%s:%d)", m.String(), m.URL, m.Line)
			}
		}
	}()
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u, err := url.Parse(e.Request.URL)
			if err != nil || ((u.Scheme == "http" || u.Scheme == "https") && u.Host != s.host()) {
				b.problem("request to another host: %s", e.Request.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if phone {
		opts = append(opts, chromedp.EmulateMobile)
	}
	b.do(chromedp.EmulateViewport(width, height, opts...), chromedp.Navigate(s.baseURL+"/"))
	return b
}

func (b *tab) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// do runs actions, failing the test on an error or after 20 s.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, expr, err)
	}
	return v
}

// wait waits until a JavaScript expression is true.
func (b *tab) wait(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		b.t.Fatalf("%s: waiting for %s (%s): %v\npage: %s", b.name, what, expr, err, b.text())
	}
}

func (b *tab) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("location.hash + ' ' + document.body.innerText"))
	return s
}

// open opens a screen of the client.
func (b *tab) open(hash string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", hash)))
}

func (b *tab) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("%s: screenshot %s: %v", b.name, name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, b.name+"-"+name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// session is the login the page keeps in localStorage.
func (b *tab) session() (id int64, token string) {
	b.t.Helper()
	var s struct {
		UserID int64  `json:"userId"`
		Token  string `json:"token"`
	}
	raw := eval[string](b, "localStorage.getItem('douyin.session') || 'null'")
	if err := json.Unmarshal([]byte(raw), &s); err != nil || s.UserID == 0 {
		b.t.Fatalf("%s: no session in localStorage: %s", b.name, raw)
	}
	return s.UserID, s.Token
}

// js quotes s for a JavaScript expression.
func js(s string) string { return strconv.Quote(s) }

// register signs up through the page's form and returns the new user's id.
func (b *tab) register(name, password string) int64 {
	b.t.Helper()
	b.open("#/me")
	b.do(chromedp.WaitVisible(chromedp.CSS("#username")))
	b.screenshot("login")
	b.do(chromedp.SendKeys(chromedp.CSS("#username"), name), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("button[name=register]")))
	b.wait("my profile", "document.querySelector('.profile h1.name')?.textContent === "+js(name))
	id, _ := b.session()
	return id
}

const (
	slide0 = `document.querySelector('.slide[data-index="0"]')`
	slide1 = `document.querySelector('.slide[data-index="1"]')`
)

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser end-to-end test starts Chromium; not with -short")
	}
	chromium := chromiumPath(t)
	media := needMediaTools(t)
	started := time.Now()
	s := startServer(t, t.TempDir(), "DOUYIN_DEMO=true", unthrottled)
	demo := waitFeed(t, s, len(mustGlob(t, "demo/*.mp4")))
	shots := screenshotDir(t)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Flag("mute-audio", true), chromedp.Flag("disable-gpu", true))...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts Chromium
		t.Fatalf("start %s: %v", chromium, err)
	}
	alice := openTab(t, browser, s, shots, "phone", 390, 844, true)
	bob := openTab(t, browser, s, shots, "desktop", 1280, 800, false)
	t.Cleanup(func() {
		for _, b := range []*tab{alice, bob} {
			b.mu.Lock()
			for _, p := range b.problems {
				t.Errorf("%s: %s", b.name, p)
			}
			b.mu.Unlock()
		}
		t.Logf("browser test took %s", time.Since(started).Round(100*time.Millisecond))
	})

	// The feed plays the demo clips at once, muted until a tap.
	for _, b := range []*tab{alice, bob} {
		b.wait("the first video playing", slide0+"?.querySelector('video').currentTime > 0.3")
		b.wait("the next video preloaded", slide1+"?.querySelector('video').getAttribute('src') && "+slide1+".querySelector('video').readyState >= 1")
		if !eval[bool](b, slide0+".querySelector('video').muted") {
			t.Errorf("%s: the feed's first video plays with sound before any tap", b.name)
		}
		b.screenshot("feed")
	}

	aliceID := alice.register("alice", "alice-secret")
	alice.screenshot("me")
	bobID := bob.register("bob", "bob-secret")

	// A file that is not a video is refused in the server's own words.
	notVideo := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(notVideo, []byte("these are notes, not a video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	alice.open("#/publish")
	alice.do(chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), "not a video"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{notVideo}),
		chromedp.Click(chromedp.CSS("form.publish button[type=submit]")))
	alice.wait("the server's refusal", "document.querySelector('form.publish .error')?.textContent === "+js(msgNotAVideo))
	alice.screenshot("publish-refused")
	alice.do(chromedp.Evaluate[chromedp.Void]("document.querySelector('#title').value = ''"))

	// alice publishes through the page, the upload slowed down so that its progress shows.
	title := "Hello from the browser test"
	clip := filepath.Join("demo", mustGlob(t, "demo/*.mp4")[0])
	alice.open("#/publish")
	alice.do(chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), title),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{mustAbs(t, clip)}),
		chromedp.Evaluate[chromedp.Void](`window.__progress = []; new MutationObserver(() => window.__progress.push(document.querySelector('.percent').textContent))
			.observe(document.querySelector('.progress'), {subtree: true, childList: true, characterData: true})`))
	throttleUpload(t, alice, 64<<10)
	alice.do(chromedp.Click(chromedp.CSS("form.publish button[type=submit]")))
	alice.wait("the upload under way", "/Uploading [1-9]/.test(document.querySelector('.percent')?.textContent)")
	alice.screenshot("publish")
	alice.wait("my profile after publishing", "location.hash === '#/me' && document.querySelectorAll('.grid .cell').length === 1")
	throttleUpload(t, alice, -1)
	progress := eval[[]string](alice, "window.__progress")
	if !slices.ContainsFunc(progress, func(p string) bool { return strings.HasPrefix(p, "Uploading") && p != "Uploading 0%" }) ||
		!slices.Contains(progress, "Uploaded, processing…") {
		t.Errorf("the progress shown during the upload: %q", progress)
	}

	// bob's feed shows it first, and it plays.
	bob.open("#/")
	bob.do(chromedp.Reload())
	bob.wait("alice's video first in the feed", slide0+"?.querySelector('.title').textContent === "+js(title))
	bob.wait("alice's video playing", slide0+".querySelector('video').currentTime > 0.3")
	if got := eval[int](bob, "document.querySelectorAll('.slide[data-video-id]').length"); got != len(demo)+1 {
		t.Errorf("bob's feed has %d videos, want %d", got, len(demo)+1)
	}

	// A double tap likes it: the count changes for bob at once and for alice after a reload
	// (which keeps her logged in).
	bob.do(chromedp.DoubleClick(chromedp.CSS(`.slide[data-index="0"] .tap`)))
	bob.wait("the like", slide0+".querySelector('.like').getAttribute('aria-pressed') === 'true' && "+
		slide0+".querySelector('.like .n').textContent === '1'")
	bob.screenshot("feed-liked")
	alice.do(chromedp.Reload())
	alice.wait("alice still logged in after a reload", "document.querySelector('.profile h1.name')?.textContent === 'alice'")
	alice.wait("the like on alice's work", "document.querySelector('.grid .cell-likes')?.textContent === '♥ 1'")
	alice.open("#/")
	alice.wait("the like in alice's feed", slide0+"?.querySelector('.title').textContent === "+js(title)+" && "+
		slide0+".querySelector('.like .n').textContent === '1' && "+slide0+".querySelector('.like').getAttribute('aria-pressed') === 'false'")

	// bob comments twice and deletes the second comment; alice reads the first.
	bob.do(chromedp.Click(chromedp.CSS(`.slide[data-index="0"] .act.comment`)))
	bob.wait("the comment sheet", "document.querySelector('dialog.sheet[open] input[name=comment]')")
	for _, c := range []string{"Nice clip! <b>not bold</b>", "typo, deleting this"} {
		bob.do(chromedp.SendKeys(chromedp.CSS("dialog.sheet input[name=comment]"), c+"\r"))
		bob.wait("the comment posted", "document.querySelector('dialog.sheet .comment .content')?.textContent === "+js(c))
	}
	bob.do(chromedp.Click(chromedp.CSS("dialog.sheet .comment:first-child button.danger")))
	bob.wait("the comment deleted", "document.querySelectorAll('dialog.sheet .comment').length === 1 && "+
		"document.querySelector('dialog.sheet h2').textContent === '1 comment'")
	bob.screenshot("comments")
	bob.do(chromedp.KeyEvent(kb.Escape))
	bob.wait("the sheet closed", "!document.querySelector('dialog.sheet')")
	if got := eval[string](bob, slide0+".querySelector('.comment .n').textContent"); got != "1" {
		t.Errorf("bob's comment count on the slide: %q, want 1", got)
	}
	alice.do(chromedp.Click(chromedp.CSS(`.slide[data-index="0"] .act.comment`)))
	alice.wait("bob's comment, as text, and the count it makes", "document.querySelector('dialog.sheet h2')?.textContent === '1 comment' && "+
		"document.querySelector('dialog.sheet .comment .content')?.textContent === 'Nice clip! <b>not bold</b>' && "+
		"document.querySelector('dialog.sheet .comment .name').textContent === 'bob' && !document.querySelector('dialog.sheet .comment button.danger')")
	alice.screenshot("comments")
	alice.do(chromedp.KeyEvent(kb.Escape))

	// They follow each other: bob from the author's avatar on the slide, alice from bob's profile.
	bob.do(chromedp.Click(chromedp.CSS(`.slide[data-index="0"] a.act.author`)))
	bob.wait("alice's profile", fmt.Sprintf("location.hash === '#/user/%d' && document.querySelector('.profile .follow')", aliceID))
	bob.do(chromedp.Click(chromedp.CSS(".profile .follow")))
	bob.wait("following alice", "document.querySelector('.profile .follow').textContent === 'Following'")
	bob.screenshot("profile")
	alice.open(fmt.Sprintf("#/user/%d", bobID))
	alice.wait("bob's profile", "document.querySelector('.profile h1.name')?.textContent === 'bob'")
	alice.do(chromedp.Click(chromedp.CSS(".profile .follow")))
	alice.wait("following bob", "document.querySelector('.profile .follow').textContent === 'Following'")
	alice.screenshot("profile")
	alice.open(fmt.Sprintf("#/user/%d/followers", aliceID))
	alice.wait("bob among alice's followers", "document.querySelector('.users .user-row .name')?.textContent === 'bob'")
	alice.screenshot("followers")

	// Chat both ways: alice from the friend list, bob from alice's profile; the polls must
	// never show a message twice.
	alice.open("#/friends")
	alice.wait("bob in alice's friends", "document.querySelector('.users .user-row .name')?.textContent === 'bob'")
	alice.screenshot("friends")
	alice.do(chromedp.Click(chromedp.CSS(".users .user-row a.user-link")))
	alice.wait("the chat with bob", fmt.Sprintf("location.hash === '#/chat/%d' && document.querySelector('input[name=content]')", bobID))
	bob.open(fmt.Sprintf("#/user/%d", aliceID))
	bob.wait("alice's profile", fmt.Sprintf("document.querySelector('.profile a.button[href=\"#/chat/%d\"]')", aliceID))
	bob.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.profile a.button[href="#/chat/%d"]`, aliceID))))
	bob.wait("the chat with alice", "document.querySelector('input[name=content]')")
	say := func(from, to *tab, text string) {
		t.Helper()
		from.do(chromedp.SendKeys(chromedp.CSS("input[name=content]"), text+"\r"))
		to.wait("the message "+text, "[...document.querySelectorAll('.msg p')].some(p => p.textContent === "+js(text)+")")
	}
	say(alice, bob, "Hi bob!")
	say(bob, alice, "Hi alice, nice clip")
	say(alice, bob, "Thanks <3")
	say(bob, alice, "See you")
	time.Sleep(3500 * time.Millisecond) // a poll more on both sides
	want := []string{"Hi bob!", "Hi alice, nice clip", "Thanks <3", "See you"}
	for _, b := range []*tab{alice, bob} {
		if got := eval[[]string](b, "[...document.querySelectorAll('.msg p')].map(p => p.textContent)"); !slices.Equal(got, want) {
			t.Errorf("%s's chat shows %q, want %q", b.name, got, want)
		}
		b.screenshot("chat")
	}

	// alice's profile shows the counts the API reports.
	alice.open("#/me")
	alice.wait("alice's profile", "document.querySelectorAll('.profile .stats .stat').length === 4 && document.querySelector('.grid .cell')")
	_, aliceToken := alice.session()
	var info struct {
		User struct {
			FollowCount    int64 `json:"follow_count"`
			FollowerCount  int64 `json:"follower_count"`
			TotalFavorited int64 `json:"total_favorited"`
			WorkCount      int64 `json:"work_count"`
			FavoriteCount  int64 `json:"favorite_count"`
		} `json:"user"`
	}
	if err := json.Unmarshal(s.get(t, "/douyin/user/", url.Values{"user_id": {fmt.Sprint(aliceID)}, "token": {aliceToken}}), &info); err != nil {
		t.Fatal(err)
	}
	u := info.User
	wantStats := []string{fmt.Sprint(u.FollowCount), fmt.Sprint(u.FollowerCount), fmt.Sprint(u.TotalFavorited), fmt.Sprint(u.WorkCount)}
	gotStats := eval[[]string](alice, "[...document.querySelectorAll('.profile .stats .stat .n')].map(n => n.textContent)")
	tabs := eval[[]string](alice, "[...document.querySelectorAll('.profile .tab')].map(n => n.textContent)")
	if !slices.Equal(gotStats, wantStats) || !slices.Equal(tabs, []string{fmt.Sprintf("Works %d", u.WorkCount), fmt.Sprintf("Likes %d", u.FavoriteCount)}) ||
		!slices.Equal(wantStats, []string{"1", "1", "1", "1"}) {
		t.Errorf("alice's profile shows %q %q; the API says %+v", gotStats, tabs, u)
	}
	alice.screenshot("me")

	// The keyboard alone: arrows move between videos, l likes, c opens the comments, Escape
	// closes them.
	bob.open("#/")
	bob.wait("the feed", slide0+" && !"+slide0+".querySelector('video').paused")
	bob.do(chromedp.KeyEvent(kb.ArrowDown))
	bob.wait("the second video playing", slide1+" && !"+slide1+".querySelector('video').paused && "+slide0+".querySelector('video').paused")
	bob.do(chromedp.KeyEvent("l"))
	bob.wait("the second video liked", slide1+".querySelector('.like').getAttribute('aria-pressed') === 'true'")
	bob.do(chromedp.KeyEvent("c"))
	bob.wait("the comment sheet", "document.querySelector('dialog.sheet[open]')")
	bob.do(chromedp.KeyEvent(kb.Escape))
	bob.wait("the sheet closed", "!document.querySelector('dialog.sheet')")
	bob.do(chromedp.KeyEvent(kb.ArrowUp))
	bob.wait("the first video again", "!"+slide0+".querySelector('video').paused")

	// Paging to the end: the pager asks for the page after next_time, finds it empty and says
	// so.
	n := eval[int](bob, "document.querySelectorAll('.slide[data-video-id]').length")
	for i := 1; i <= n; i++ {
		bob.do(chromedp.KeyEvent(kb.ArrowDown))
		if i < n {
			bob.wait(fmt.Sprintf("video %d playing", i), fmt.Sprintf(`!document.querySelector('.slide[data-index="%d"] video').paused`, i))
		}
	}
	bob.wait("the end of the feed", "Math.abs(document.querySelector('.slide.end:not([hidden])')?.getBoundingClientRect().top - "+
		"document.querySelector('#feed .player').getBoundingClientRect().top) < 2 && "+
		"[...document.querySelectorAll('#feed video')].every(v => v.paused)")
	if !eval[bool](bob, "performance.getEntriesByType('resource').some(e => /\\/douyin\\/feed\\/\\?latest_time=\\d+/.test(e.name))") {
		t.Error("the feed never asked for the page after next_time")
	}
	bob.screenshot("feed-end")
	bob.do(chromedp.KeyEvent(kb.Home))
	bob.wait("the first video after Home", "!"+slide0+".querySelector('video').paused")
	// The mouse wheel moves one video per turn.
	wheel := func(dy float64) chromedp.Action[chromedp.Void] {
		// The protocol wants deltaX too, and cdproto leaves a zero out: a hair of sideways.
		return chromedp.MouseEvent(chromedp.MouseWheel, 640, 400, func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 0.01, dy })
	}
	bob.do(wheel(120))
	bob.wait("the second video after a wheel turn", "!"+slide1+".querySelector('video').paused")
	time.Sleep(300 * time.Millisecond)
	bob.do(wheel(-120))
	bob.wait("the first video after a wheel turn back", "!"+slide0+".querySelector('video').paused")

	// A video this browser cannot decode (HEVC) is published all the same, and its slide says
	// so instead of showing a black box.
	hevc := media.make(t, "hevc.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x568:rate=10:duration=1",
		"-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error")
	assertJSON(t, s.publish(t, nil, appUpload("hevc.mp4", hevc, aliceToken, "HEVC clip")...), statusJSON(0, "published"))
	bob.do(chromedp.Reload())
	bob.wait("the HEVC clip first", slide0+"?.querySelector('.title').textContent === 'HEVC clip'")
	bob.wait("the notice on the HEVC slide", slide0+".querySelector('.notice') && !"+slide0+".querySelector('.notice').hidden")
	bob.screenshot("unsupported")

	// The API reference.
	bob.do(chromedp.Navigate(s.baseURL + "/docs"))
	bob.wait("the rendered reference", "document.querySelector('.swagger-ui .info .title') && document.querySelectorAll('.swagger-ui .opblock').length >= 16")
	bob.screenshot("docs")
}

// throttleUpload limits what the tab sends to bytesPerSecond (-1: no limit).
func throttleUpload(t *testing.T, b *tab, bytesPerSecond float64) {
	t.Helper()
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: bytesPerSecond}},
	}); err != nil {
		t.Fatal(err)
	}
}

// waitFeed waits until the feed has at least n videos (the demo is seeded in the background)
// and returns their ids.
func waitFeed(t *testing.T, s *server, n int) []int64 {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; {
		var page struct {
			VideoList []struct {
				ID int64 `json:"id"`
			} `json:"video_list"`
		}
		if err := json.Unmarshal(s.get(t, "/douyin/feed/", nil), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.VideoList) >= n {
			ids := make([]int64, len(page.VideoList))
			for i, v := range page.VideoList {
				ids[i] = v.ID
			}
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the feed has %d videos after 15 s, want %d", len(page.VideoList), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("no file matches %s: %v", pattern, err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
