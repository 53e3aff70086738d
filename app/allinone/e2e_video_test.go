package allinone_test

// End-to-end tests of videos: publishing real files (made with ffmpeg here, as a phone would
// record them), the refusals that must store nothing, the feed's paging and time units, the
// demo clips and persistence across restarts. As in e2e_test.go every JSON answer is compared
// byte for byte; values the server generates (ids, object URLs, next_time) are parsed out,
// checked, and substituted into the expected text.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/douyin-kratos/douyin/app/video/videotest"
)

const (
	publishPath = "/douyin/publish/action/"

	msgPublished      = "published"
	msgNotAVideo      = "the file is not a video: upload an mp4 or mov file"
	msgEmptyFile      = "the file is empty"
	msgTitleRequired  = "a title is required"
	msgNoVideoPart    = "no video: send the file in the data field"
	msgNotMultipart   = "publish expects a multipart/form-data body with data, token and title"
	msgOneVideoPerPut = "send one video per upload"

	// smallUploadLimit is the size limit of the server that tests "too large"; the gateway
	// writes it as "146 KB" (150000 / 1024, rounded down).
	smallUploadLimit = 150000
	msgTooLarge      = "the video is larger than the 146 KB limit"

	// maxCoverWidth is the widest cover the server draws; narrower videos keep their width.
	maxCoverWidth = 720
)

// publishedJSON is the exact answer to a successful publish.
const publishedJSON = `{"status_code":0,"status_msg":"` + msgPublished + `"}`

// ---- media files -------------------------------------------------------------------------------

// mediaTools makes the test's media files with ffmpeg and inspects covers with ffprobe.
type mediaTools struct {
	ffmpeg, ffprobe, dir string
}

// needMediaTools finds ffmpeg and ffprobe. Their absence fails the test rather than skipping it:
// the server cannot publish without them either, so a skip would hide a broken environment.
func needMediaTools(t *testing.T) mediaTools {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatalf("ffmpeg is required (to make the test videos, and by the server to publish): %v", err)
	}
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Fatalf("ffprobe is required (to inspect covers, and by the server to publish): %v", err)
	}
	return mediaTools{ffmpeg: ffmpeg, ffprobe: ffprobe, dir: t.TempDir()}
}

// make runs ffmpeg with args and the output file name, and returns the file's content.
func (m mediaTools) make(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(m.dir, name)
	args = append(append([]string{"-v", "error", "-y"}, args...), path)
	if out, err := exec.Command(m.ffmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clip makes a one-second test pattern of the given size; a ".mov" name makes a QuickTime file.
// Tests give every upload its own size, so that serving one video's bytes for another's URL
// cannot go unnoticed.
func (m mediaTools) clip(t *testing.T, name string, width, height int) []byte {
	t.Helper()
	args := []string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc=size=%dx%d:rate=10:duration=1", width, height), "-pix_fmt", "yuv420p"}
	if strings.HasSuffix(name, ".mov") {
		args = append(args, "-f", "mov")
	}
	return m.make(t, name, args...)
}

// imageInfo is what ffprobe says about an image.
type imageInfo struct {
	Codec         string `json:"codec_name"`
	Width, Height int
}

func (m mediaTools) probeImage(t *testing.T, data []byte) imageInfo {
	t.Helper()
	f, err := os.CreateTemp(m.dir, "cover-*.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(m.ffprobe, "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height", "-of", "json", f.Name()).Output()
	if err != nil {
		t.Fatalf("ffprobe of a cover: %v", err)
	}
	var probe struct {
		Streams []imageInfo `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil || len(probe.Streams) != 1 {
		t.Fatalf("ffprobe of a cover: %v: %s", err, out)
	}
	return probe.Streams[0]
}

// temp writes data to a new file in the tools' directory and returns its path.
func (m mediaTools) temp(t *testing.T, pattern string, data []byte) string {
	t.Helper()
	f, err := os.CreateTemp(m.dir, pattern)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// packets is ffmpeg's checksum of each stream's codec setup and of every packet (timestamps,
// size, contents) of data: files with the same packets play the same, however they are laid out.
func (m mediaTools) packets(t *testing.T, data []byte) string {
	t.Helper()
	path := m.temp(t, "packets-*.mp4", data)
	defer os.Remove(path)
	out, err := exec.Command(m.ffmpeg, "-v", "error", "-i", path, "-map", "0", "-c", "copy", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg framemd5: %v", err)
	}
	// The line naming the ffmpeg that wrote the file is the only one a rewrite may change.
	return regexp.MustCompile(`(?m)^#software:.*\n`).ReplaceAllString(string(out), "")
}

// codecs returns the codec of each stream of data, in order, as ffprobe names them.
func (m mediaTools) codecs(t *testing.T, data []byte) []string {
	t.Helper()
	path := m.temp(t, "codecs-*.mp4", data)
	defer os.Remove(path)
	out, err := exec.Command(m.ffprobe, "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	return strings.Fields(string(out))
}

// topLevelBoxes lists the types of the top-level boxes of an mp4 or mov file, in order.
func topLevelBoxes(t *testing.T, b []byte) []string {
	t.Helper()
	types, err := videotest.TopLevelBoxes(b)
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// indexFirst reports whether the file's index (moov) comes before its media data (mdat), so
// that a player can start before the whole file has arrived.
func indexFirst(t *testing.T, b []byte) bool {
	t.Helper()
	boxes := topLevelBoxes(t, b)
	moov, mdat := slices.Index(boxes, "moov"), slices.Index(boxes, "mdat")
	if moov < 0 || mdat < 0 {
		t.Fatalf("boxes %v: no moov or no mdat", boxes)
	}
	return moov < mdat
}

// randomBytes returns n pseudo-random bytes, the same in every run.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{}).Read(b) // never fails
	return b
}

// ---- multipart uploads -------------------------------------------------------------------------

// formPart is one part of a multipart body: a file when filename is set, else a plain field.
type formPart struct {
	name, filename string
	content        []byte
}

func fileField(name, filename string, content []byte) formPart {
	return formPart{name: name, filename: filename, content: content}
}

func textField(name, value string) formPart {
	return formPart{name: name, content: []byte(value)}
}

// multipartBody writes parts in the order given: the server must not depend on it (the app
// sends the file first).
func multipartBody(parts []formPart) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename == "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			// The type a phone would claim from the name: the server must look at the bytes.
			ct := "application/octet-stream"
			switch filepath.Ext(p.filename) {
			case ".mp4":
				ct = "video/mp4"
			case ".mov":
				ct = "video/quicktime"
			}
			h.Set("Content-Type", ct)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := pw.Write(p.content); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// publishRequest builds a multipart POST to path with query in the URL. It takes no t, so
// goroutines can use it with send.
func (s *server) publishRequest(path string, query url.Values, parts ...formPart) (*http.Request, error) {
	body, contentType, err := multipartBody(parts)
	if err != nil {
		return nil, err
	}
	u := s.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return req, nil
}

// publish posts a multipart upload to publish/action and returns the 200 answer's body.
func (s *server) publish(t *testing.T, query url.Values, parts ...formPart) []byte {
	t.Helper()
	req, err := s.publishRequest(publishPath, query, parts...)
	return mustSend(t, req, err)
}

// appUpload is the multipart body in the app's order: the file, then token, then title.
func appUpload(filename string, data []byte, token, title string) []formPart {
	return []formPart{fileField("data", filename, data), textField("token", token), textField("title", title)}
}

// ---- expected JSON -----------------------------------------------------------------------------

// publishedVideo is what the test knows of a video on the server. Object URLs are kept as paths
// because their host is the server's, which changes with a restart.
type publishedVideo struct {
	id                  int64
	authorID            int64
	author, title       string
	playPath, coverPath string
}

// authorJSON is the exact User object of an author with works videos, seen by anyone: nobody
// follows or likes anything in these tests.
func (s *server) authorJSON(id int64, name string, works int) string {
	return fmt.Sprintf(`{"id":%d,"name":%s,"follow_count":0,"follower_count":0,"is_follow":false,`+
		`"avatar":"http://%s/static/avatar/%d.png","background_image":"http://%s/static/background/%d.png",`+
		`"signature":%s,"total_favorited":0,"work_count":%d,"favorite_count":0}`,
		id, quote(name), s.host(), id, s.host(), id, quote(defaultSignature), works)
}

// videoListJSON is the exact video_list of vs, each author with the number of works given.
func (s *server) videoListJSON(vs []publishedVideo, works map[int64]int) string {
	items := make([]string, len(vs))
	for i, v := range vs {
		items[i] = fmt.Sprintf(`{"id":%d,"author":%s,"play_url":%s,"cover_url":%s,`+
			`"favorite_count":0,"comment_count":0,"is_favorite":false,"title":%s}`,
			v.id, s.authorJSON(v.authorID, v.author, works[v.authorID]),
			quote(s.baseURL+v.playPath), quote(s.baseURL+v.coverPath), quote(v.title))
	}
	return "[" + strings.Join(items, ",") + "]"
}

func feedJSON(videoList string, nextTime int64) string {
	return fmt.Sprintf(`{"status_code":0,"status_msg":"","video_list":%s,"next_time":%d}`, videoList, nextTime)
}

func publishListJSON(videoList string) string {
	return `{"status_code":0,"status_msg":"","video_list":` + videoList + `}`
}

// statusJSON is an answer with only the status fields, as publish/action gives.
func statusJSON(code int, msg string) string {
	return fmt.Sprintf(`{"status_code":%d,"status_msg":%s}`, code, quote(msg))
}

// ---- reading answers ---------------------------------------------------------------------------

// videoPage is the part of a feed or publish/list answer the test needs to parse.
type videoPage struct {
	VideoList []struct {
		ID     int64 `json:"id"`
		Author struct {
			ID        int64  `json:"id"`
			Name      string `json:"name"`
			WorkCount int64  `json:"work_count"`
		} `json:"author"`
		PlayURL  string `json:"play_url"`
		CoverURL string `json:"cover_url"`
		Title    string `json:"title"`
	} `json:"video_list"`
	NextTime int64 `json:"next_time"`
}

func parseVideoPage(t *testing.T, body []byte) videoPage {
	t.Helper()
	var page videoPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	return page
}

// videos turns a parsed page into publishedVideos, checking that every object URL is absolute,
// on the server's own host, and that a video and its cover share their name.
func (s *server) videos(t *testing.T, page videoPage) []publishedVideo {
	t.Helper()
	base := regexp.QuoteMeta(s.baseURL)
	playRe := regexp.MustCompile(`^` + base + `(/objects/videos/([0-9a-f]+)\.(?:mp4|mov))$`)
	coverRe := regexp.MustCompile(`^` + base + `(/objects/covers/([0-9a-f]+)\.jpg)$`)
	out := make([]publishedVideo, len(page.VideoList))
	for i, v := range page.VideoList {
		play, cover := playRe.FindStringSubmatch(v.PlayURL), coverRe.FindStringSubmatch(v.CoverURL)
		if play == nil || cover == nil || play[2] != cover[2] {
			t.Fatalf("video %d: play_url %q and cover_url %q are not %s/objects/videos/NAME.mp4|mov and "+
				"%s/objects/covers/NAME.jpg", v.ID, v.PlayURL, v.CoverURL, s.baseURL, s.baseURL)
		}
		out[i] = publishedVideo{id: v.ID, authorID: v.Author.ID, author: v.Author.Name, title: v.Title,
			playPath: play[1], coverPath: cover[1]}
	}
	return out
}

// newestVideo returns the first video of userID's publish list: the one just published.
func (s *server) newestVideo(t *testing.T, userID int64) publishedVideo {
	t.Helper()
	vs := s.videos(t, parseVideoPage(t, s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(userID)}})))
	if len(vs) == 0 {
		t.Fatalf("publish/list of user %d is empty after a publish", userID)
	}
	return vs[0]
}

// assertFeed checks the feed answer to query is exactly want (newest first) with any next_time,
// and returns that next_time for the caller to check.
func (s *server) assertFeed(t *testing.T, query url.Values, want []publishedVideo, works map[int64]int) int64 {
	t.Helper()
	body := s.get(t, "/douyin/feed/", query)
	next := parseVideoPage(t, body).NextTime
	assertJSON(t, body, feedJSON(s.videoListJSON(want, works), next))
	return next
}

// assertPublishLists checks every author's publish/list against all (newest first).
func (s *server) assertPublishLists(t *testing.T, all []publishedVideo, works map[int64]int) {
	t.Helper()
	for author := range works {
		mine := slices.DeleteFunc(slices.Clone(all), func(v publishedVideo) bool { return v.authorID != author })
		assertJSON(t, s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(author)}}),
			publishListJSON(s.videoListJSON(mine, works)))
	}
}

// fetch GETs u with the given headers and returns the answer with its body read.
func fetch(t *testing.T, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return doRequest(t, req)
}

// assertPlayable fetches v's video and cover as a phone's player would: the whole file, a range
// of it (players seek with Range), and the cover, which must be a JPEG frame of the video, as
// wide as the video or scaled down to maxCoverWidth. file is the upload, an H.264 clip (m.clip)
// with its index after its media data, as ffmpeg and phones write them: the server stores it
// with its index first, every packet as it was.
func (s *server) assertPlayable(t *testing.T, m mediaTools, v publishedVideo, file []byte, contentType string, width, height int) {
	t.Helper()
	playURL, coverURL := s.baseURL+v.playPath, s.baseURL+v.coverPath
	if indexFirst(t, file) {
		t.Fatal("the upload has its index first already: it tells nothing about the rewrite")
	}

	resp, stored := fetch(t, playURL, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != contentType {
		t.Errorf("GET %s: HTTP %d, Content-Type %q; want 200 %s", playURL, resp.StatusCode, resp.Header.Get("Content-Type"), contentType)
	}
	if !indexFirst(t, stored) {
		t.Errorf("GET %s: boxes %v; want the index (moov) before the media data (mdat)", playURL, topLevelBoxes(t, stored))
	}
	if got, want := m.packets(t, stored), m.packets(t, file); got != want {
		t.Errorf("GET %s: the packets differ from those uploaded:\n%s\nuploaded:\n%s", playURL, got, want)
	}

	resp, body := fetch(t, playURL, map[string]string{"Range": "bytes=0-99"})
	wantRange := fmt.Sprintf("bytes 0-99/%d", len(stored))
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != wantRange {
		t.Errorf("GET %s with Range bytes=0-99: HTTP %d, Content-Range %q; want 206, %q",
			playURL, resp.StatusCode, resp.Header.Get("Content-Range"), wantRange)
	}
	if !bytes.Equal(body, stored[:100]) {
		t.Errorf("GET %s with Range bytes=0-99: got %d bytes, want the file's first 100", playURL, len(body))
	}

	resp, body = fetch(t, coverURL, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET %s: HTTP %d, Content-Type %q; want 200 image/jpeg", coverURL, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.HasPrefix(body, []byte{0xFF, 0xD8, 0xFF}) {
		t.Fatalf("GET %s: the body does not start with the JPEG marker FF D8 FF: % x", coverURL, body[:min(len(body), 8)])
	}
	img := m.probeImage(t, body)
	wantW := min(width, maxCoverWidth)
	wantH := height * wantW / width
	// The height is scaled with the width and rounded to an even number.
	if img.Codec != "mjpeg" || img.Width != wantW || img.Height < wantH-2 || img.Height > wantH+2 {
		t.Errorf("cover of a %dx%d video: ffprobe says %s %dx%d, want a JPEG %d wide and about %d high",
			width, height, img.Codec, img.Width, img.Height, wantW, wantH)
	}
}

// objectFiles lists the files under the embedded store's buckets, relative to them.
func objectFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	root := filepath.Join(dataDir, "objects", "buckets")
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return files
}

// waitNoUploadLeftovers waits for <data dir>/tmp, where uploads are spooled, to be empty. It
// waits a moment because when the gateway refuses an upload it has already streamed (a bad
// token sent after the file), the video app drops its copy just after the answer. Leftovers
// are reported, then removed so that the next check does not report them again.
func waitNoUploadLeftovers(t *testing.T, dataDir string) {
	t.Helper()
	dir := filepath.Join(dataDir, "tmp")
	deadline := time.Now().Add(3 * time.Second)
	for {
		names := uploadFiles(t, dataDir)
		if len(names) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("files left in %s: %v", dir, names)
			for _, name := range names {
				os.Remove(filepath.Join(dir, name))
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uploadFiles lists the files in <data dir>/tmp, where uploads are spooled.
func uploadFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dataDir, "tmp"))
	if err != nil {
		t.Fatalf("the upload directory: %v", err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

// register creates an account and returns its id and token.
func (s *server) register(t *testing.T, name string) (int64, string) {
	t.Helper()
	return registeredID(t, s.post(t, "/douyin/user/register/", creds(name, name+"-pw")))
}

// ---- tests -------------------------------------------------------------------------------------

// TestPublishVideo walks through the upload path as the app uses it: after each publish the
// video is at once first in the feed and the author's publish list, with the author's
// work_count up, and its file and cover play back from the URLs handed out.
func TestPublishVideo(t *testing.T) {
	m := needMediaTools(t)
	dataDir := t.TempDir()
	s := startServer(t, dataDir)
	startMs := time.Now().UnixMilli()
	aliceID, aliceToken := s.register(t, "alice")
	bobID, bobToken := s.register(t, "bob")
	if t.Failed() {
		t.FailNow()
	}

	// all is every video on the server, newest first; works counts them per author.
	var all []publishedVideo
	works := map[int64]int{aliceID: 0, bobID: 0}
	// published checks the state after a successful publish by authorID of file as title.
	published := func(t *testing.T, authorID int64, author, title string, file []byte, contentType string, width, height int) {
		t.Helper()
		v := s.newestVideo(t, authorID)
		for _, old := range all {
			if old.id == v.id || old.playPath == v.playPath {
				t.Fatalf("the new video reuses the id or play_url of video %d: %+v", old.id, v)
			}
		}
		if v.id <= 0 || v.authorID != authorID || v.author != author || v.title != title {
			t.Fatalf("newest video of %s is %+v, want by user %d titled %q", author, v, authorID, title)
		}
		all = append([]publishedVideo{v}, all...)
		works[authorID]++
		s.assertPublishLists(t, all, works)
		next := s.assertFeed(t, nil, all, works)
		// next_time is the publish time of the oldest video, which this test published.
		if now := time.Now().UnixMilli(); next < startMs || next > now {
			t.Errorf("next_time %d is not a publish time during the test [%d, %d]", next, startMs, now)
		}
		// The profile counts the new work too.
		var info struct {
			User struct {
				WorkCount int `json:"work_count"`
			} `json:"user"`
		}
		if err := json.Unmarshal(s.get(t, "/douyin/user/", url.Values{"user_id": {itoa(authorID)}, "token": {aliceToken}}), &info); err != nil {
			t.Fatal(err)
		}
		if info.User.WorkCount != works[authorID] {
			t.Errorf("user %d: work_count %d, want %d", authorID, info.User.WorkCount, works[authorID])
		}
		s.assertPlayable(t, m, v, file, contentType, width, height)
		waitNoUploadLeftovers(t, dataDir)
	}

	type author struct {
		id          int64
		name, token string
	}
	alice, bob := author{aliceID, "alice", aliceToken}, author{bobID, "bob", bobToken}
	for _, tt := range []struct {
		name          string
		clip          string // the file's name; the clip is made in the container its extension names
		width, height int
		contentType   string
		by            author
		title         string
		// upload publishes file as the case says and returns the answer; nil: in the app's
		// order, data, token, title, with nothing in the query.
		upload func(t *testing.T, file []byte) []byte
	}{
		{name: "app order: data, token, title", clip: "first.mp4", width: 160, height: 120, contentType: "video/mp4",
			by: alice, title: "My first video"},
		{name: "token and title in the query, only the file in the form", clip: "query.mp4", width: 176, height: 144, contentType: "video/mp4",
			by: bob, title: "From the query", upload: func(t *testing.T, file []byte) []byte {
				// Without the trailing slash too: the route answers both spellings.
				req, err := s.publishRequest(strings.TrimSuffix(publishPath, "/"),
					url.Values{"token": {bobToken}, "title": {"From the query"}}, fileField("data", "query.mp4", file))
				return mustSend(t, req, err)
			}},
		{name: "the query wins over form fields", clip: "both.mp4", width: 192, height: 108, contentType: "video/mp4",
			by: alice, title: "Query title", upload: func(t *testing.T, file []byte) []byte {
				// A bad token and another title in the form are ignored for the query's.
				return s.publish(t, url.Values{"token": {aliceToken}, "title": {"Query title"}},
					appUpload("both.mp4", file, "not-a-token", "Form title")...)
			}},
		{name: "mov, wider than covers are drawn", clip: "wide.mov", width: 800, height: 450, contentType: "video/quicktime",
			by: bob, title: "A QuickTime movie"},
		{name: "token and title before the file", clip: "fields-first.mp4", width: 128, height: 96, contentType: "video/mp4",
			by: alice, title: "Fields first", upload: func(t *testing.T, file []byte) []byte {
				return s.publish(t, nil, textField("title", "Fields first"), textField("token", aliceToken), fileField("data", "fields-first.mp4", file))
			}},
		{name: "a 100-character title, counted in characters", clip: "long-title.mp4", width: 144, height: 108, contentType: "video/mp4",
			by: alice, title: strings.Repeat("抖", 100)}, // 300 bytes
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := m.clip(t, tt.clip, tt.width, tt.height)
			upload := tt.upload
			if upload == nil {
				upload = func(t *testing.T, file []byte) []byte {
					return s.publish(t, nil, appUpload(tt.clip, file, tt.by.token, tt.title)...)
				}
			}
			assertJSON(t, upload(t, file), publishedJSON)
			published(t, tt.by.id, tt.by.name, tt.title, file, tt.contentType, tt.width, tt.height)
		})
	}
}

// TestPublishFaststart publishes a clip browsers play with its index (moov) after its media
// data, as phones and ffmpeg write it: the server stores it with the index first, so that a
// player starts before the file has downloaded, every packet as it was. A clip with its index
// first already, and one browsers do not all play (HEVC), are stored byte for byte as they came.
func TestPublishFaststart(t *testing.T) {
	m := needMediaTools(t)
	dataDir := t.TempDir()
	s := startServer(t, dataDir)
	userID, token := s.register(t, "alice")
	if t.Failed() {
		t.FailNow()
	}
	inputs := []string{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi", "-i", "sine", "-t", "1"}
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"}
	hevc := []string{"-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-c:a", "aac"}
	for _, row := range []struct {
		name       string
		args       []string
		codecs     []string
		indexFirst bool // the upload's
		rewritten  bool
	}{
		{"H.264 and AAC, index last", append(slices.Clone(inputs), h264...), []string{"h264", "aac"}, false, true},
		{"H.264 and AAC, index first", append(append(slices.Clone(inputs), h264...), "-movflags", "+faststart"), []string{"h264", "aac"}, true, false},
		{"HEVC and AAC, index last", append(slices.Clone(inputs), hevc...), []string{"hevc", "aac"}, false, false},
	} {
		t.Run(row.name, func(t *testing.T) {
			file := m.make(t, strings.ReplaceAll(row.name, " ", "-")+".mp4", row.args...)
			if indexFirst(t, file) != row.indexFirst || !slices.Equal(m.codecs(t, file), row.codecs) {
				t.Fatalf("fixture: boxes %v, codecs %v; want the index first: %v, codecs %v",
					topLevelBoxes(t, file), m.codecs(t, file), row.indexFirst, row.codecs)
			}
			assertJSON(t, s.publish(t, nil, appUpload("clip.mp4", file, token, row.name)...), publishedJSON)
			v := s.newestVideo(t, userID)
			if v.title != row.name {
				t.Fatalf("newest video %+v; want the one titled %q", v, row.name)
			}
			resp, stored := fetch(t, s.baseURL+v.playPath, nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp4" {
				t.Fatalf("GET %s: HTTP %d, Content-Type %q; want 200 video/mp4", v.playPath, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !row.rewritten {
				if !bytes.Equal(stored, file) {
					t.Errorf("GET %s: %d bytes (boxes %v) that differ from the %d uploaded (boxes %v); want them as they came",
						v.playPath, len(stored), topLevelBoxes(t, stored), len(file), topLevelBoxes(t, file))
				}
			} else {
				if !indexFirst(t, stored) {
					t.Errorf("GET %s: boxes %v; want the index (moov) before the media data (mdat)", v.playPath, topLevelBoxes(t, stored))
				}
				if got, want := m.packets(t, stored), m.packets(t, file); got != want {
					t.Errorf("GET %s: the packets differ from those uploaded:\n%s\nuploaded:\n%s", v.playPath, got, want)
				}
			}
			waitNoUploadLeftovers(t, dataDir)
		})
	}
}

// TestDemoClipsPlayInBrowsers checks the clips a first start publishes are what every browser
// plays (H.264, with AAC or silent) and start playing before they have downloaded (index first).
func TestDemoClipsPlayInBrowsers(t *testing.T) {
	m := needMediaTools(t)
	clips, err := filepath.Glob("demo/*.mp4")
	if err != nil || len(clips) != len(demoVideos) {
		t.Fatalf("demo clips %v, %v; want %d", clips, err, len(demoVideos))
	}
	for _, clip := range clips {
		b, err := os.ReadFile(clip)
		if err != nil {
			t.Fatal(err)
		}
		if !indexFirst(t, b) {
			t.Errorf("%s: boxes %v; want the index (moov) before the media data (mdat)", clip, topLevelBoxes(t, b))
		}
		if c := m.codecs(t, b); !slices.Equal(c, []string{"h264", "aac"}) && !slices.Equal(c, []string{"h264"}) {
			t.Errorf("%s: codecs %v; want h264 with aac or alone", clip, c)
		}
	}
}

// TestPublishRefusals sends every kind of bad upload and checks each is refused with its
// message and leaves no trace: no object, no temporary file, no change to feed or lists.
func TestPublishRefusals(t *testing.T) {
	m := needMediaTools(t)
	video := m.clip(t, "ok.mp4", 160, 120)
	jpeg := m.make(t, "frame.jpg", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-frames:v", "1")
	audio := m.make(t, "sound.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac")

	// state is what a refusal must leave unchanged.
	type state struct {
		feed, list string
		objects    []string
	}
	snapshot := func(t *testing.T, s *server, dataDir string, userID int64) state {
		t.Helper()
		waitNoUploadLeftovers(t, dataDir)
		return state{
			feed:    string(s.get(t, "/douyin/feed/", nil)),
			list:    string(s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(userID)}})),
			objects: objectFiles(t, dataDir),
		}
	}
	type refusal struct {
		name  string
		query url.Values
		parts []formPart // the multipart body
		form  url.Values // without parts: an urlencoded body; neither: no body, as the app's other POSTs
		want  string
	}
	// refuse sends each refusal and checks its answer and that nothing changed.
	refuse := func(t *testing.T, s *server, dataDir string, userID int64, tests []refusal) {
		before := snapshot(t, s, dataDir, userID)
		if len(before.objects) == 0 {
			t.Fatal("no objects before the refusals: the baseline publish stored nothing")
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []byte
				switch {
				case tt.parts != nil:
					got = s.publish(t, tt.query, tt.parts...)
				case tt.form != nil:
					got = s.postForm(t, publishPath, tt.query, tt.form)
				default:
					got = s.post(t, publishPath, tt.query)
				}
				assertJSON(t, got, tt.want)
				after := snapshot(t, s, dataDir, userID)
				if after.feed != before.feed {
					t.Errorf("the feed changed:\nbefore: %s\n after: %s", before.feed, after.feed)
				}
				if after.list != before.list {
					t.Errorf("the publish list changed:\nbefore: %s\n after: %s", before.list, after.list)
				}
				if !slices.Equal(after.objects, before.objects) {
					t.Errorf("stored objects changed:\nbefore: %v\n after: %v", before.objects, after.objects)
				}
			})
		}
	}

	t.Run("default limit", func(t *testing.T) {
		dataDir := t.TempDir()
		s := startServer(t, dataDir, unthrottled)
		userID, token := s.register(t, "alice")
		// One good video first, so there is something for a refusal to disturb.
		assertJSON(t, s.publish(t, nil, appUpload("ok.mp4", video, token, "Kept")...), publishedJSON)
		if t.Failed() {
			t.FailNow()
		}
		otherSecret := signJWT(t, "not-the-server-secret-0123456789", fmt.Sprintf(
			`{"iss":"douyin","sub":"%d","iat":%d,"exp":%d}`, userID, time.Now().Unix(), time.Now().Add(time.Hour).Unix()))
		refuse(t, s, dataDir, userID, []refusal{
			{name: "a JPEG named .mp4", parts: appUpload("photo.mp4", jpeg, token, "t"), want: statusJSON(400, msgNotAVideo)},
			{name: "a text file named .mp4", parts: appUpload("notes.mp4", []byte("hello, this is not a video\n"), token, "t"),
				want: statusJSON(400, msgNotAVideo)},
			{name: "audio only", parts: appUpload("sound.mp4", audio, token, "t"), want: statusJSON(400, msgNotAVideo)},
			{name: "random bytes", parts: appUpload("noise.mp4", randomBytes(64<<10), token, "t"), want: statusJSON(400, msgNotAVideo)},
			{name: "empty file", parts: appUpload("empty.mp4", nil, token, "t"), want: statusJSON(400, msgEmptyFile)},
			{name: "no title", parts: []formPart{fileField("data", "ok.mp4", video), textField("token", token)},
				want: statusJSON(400, msgTitleRequired)},
			{name: "empty title", parts: appUpload("ok.mp4", video, token, ""), want: statusJSON(400, msgTitleRequired)},
			{name: "whitespace-only title", parts: appUpload("ok.mp4", video, token, " \t \n "), want: statusJSON(400, msgTitleRequired)},
			{name: "101-character title", parts: appUpload("ok.mp4", video, token, strings.Repeat("抖", 101)),
				want: statusJSON(400, "the title must be at most 100 characters, got 101")},
			{name: "bad token after the file", parts: appUpload("ok.mp4", video, "not-a-token", "t"), want: statusJSON(401, msgBadToken)},
			{name: "token signed with another secret", parts: appUpload("ok.mp4", video, otherSecret, "t"),
				want: statusJSON(401, msgBadToken)},
			{name: "bad token in the query wins over a good one in the form", query: url.Values{"token": {"not-a-token"}},
				parts: appUpload("ok.mp4", video, token, "t"), want: statusJSON(401, msgBadToken)},
			{name: "no token", parts: []formPart{fileField("data", "ok.mp4", video), textField("title", "t")},
				want: statusJSON(401, msgLoginRequired)},
			{name: "empty token", parts: appUpload("ok.mp4", video, "", "t"), want: statusJSON(401, msgLoginRequired)},
			{name: "no data part", parts: []formPart{textField("token", token), textField("title", "t")},
				want: statusJSON(400, msgNoVideoPart)},
			{name: "file in another field", parts: []formPart{fileField("video", "ok.mp4", video), textField("token", token), textField("title", "t")},
				want: statusJSON(400, `the form has a field "video", which publish does not take: send data, token and title`)},
			{name: "two files", parts: []formPart{fileField("data", "ok.mp4", video), fileField("data", "ok.mp4", video),
				textField("token", token), textField("title", "t")}, want: statusJSON(400, msgOneVideoPerPut)},
			{name: "urlencoded instead of multipart", form: url.Values{"data": {string(video)}, "token": {token}, "title": {"t"}},
				want: statusJSON(400, msgNotMultipart)},
			{name: "no body, parameters in the query", query: url.Values{"token": {token}, "title": {"t"}},
				want: statusJSON(400, msgNotMultipart)},
		})
	})

	t.Run("size limit", func(t *testing.T) {
		// A real video above the limit: noise defeats compression.
		bigVideo := m.make(t, "big.mp4", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=1,noise=alls=100:allf=t",
			"-c:v", "mpeg4", "-q:v", "2")
		if len(bigVideo) <= smallUploadLimit {
			t.Fatalf("the big video has %d bytes, not above the %d limit", len(bigVideo), smallUploadLimit)
		}
		if len(video) > smallUploadLimit {
			t.Fatalf("the small video has %d bytes, above the %d limit", len(video), smallUploadLimit)
		}
		dataDir := t.TempDir()
		s := startServer(t, dataDir, unthrottled, fmt.Sprintf("DOUYIN_VIDEO_MAX_UPLOAD_BYTES=%d", smallUploadLimit))
		userID, token := s.register(t, "alice")
		// A video within the limit is accepted: the limit is what refuses the others.
		assertJSON(t, s.publish(t, nil, appUpload("ok.mp4", video, token, "Small")...), publishedJSON)
		if t.Failed() {
			t.FailNow()
		}
		refuse(t, s, dataDir, userID, []refusal{
			{name: "400 KB of random bytes", parts: appUpload("noise.mp4", randomBytes(400_000), token, "t"), want: statusJSON(400, msgTooLarge)},
			{name: "a real video above the limit", parts: appUpload("big.mp4", bigVideo, token, "t"), want: statusJSON(400, msgTooLarge)},
			{name: "one byte above the limit", parts: appUpload("noise.mp4", randomBytes(smallUploadLimit+1), token, "t"),
				want: statusJSON(400, msgTooLarge)},
			// Exactly the limit is allowed in: these bytes are then refused for what they are.
			{name: "exactly the limit", parts: appUpload("noise.mp4", randomBytes(smallUploadLimit), token, "t"),
				want: statusJSON(400, msgNotAVideo)},
		})
	})
}

// TestFeedPaging publishes more than a page of videos, from several phones at once, and walks
// the feed as the app does (latest_time = the previous next_time): every video appears exactly
// once, newest first. Concurrent publishes must get distinct publish times for that to hold, as
// two videos sharing the time at a page boundary would make the "strictly before" cursor skip one.
// It then checks how latest_time is read: ms or seconds, float notation, and junk meaning "now".
func TestFeedPaging(t *testing.T) {
	const (
		phones   = 5
		perPhone = 7 // 35 videos: a full page of 30 and a second of 5
		total    = phones * perPhone
	)
	m := needMediaTools(t)
	file := m.clip(t, "clip.mp4", 160, 120)
	// The phones all send from 127.0.0.1 here, where in life each has an address of its own.
	s := startServer(t, t.TempDir(), unthrottled, fmt.Sprintf("DOUYIN_HTTP_MAX_UPLOADS_PER_CLIENT=%d", phones))

	ids := make([]int64, phones)
	tokens := make([]string, phones)
	for i := range phones {
		ids[i], tokens[i] = s.register(t, fmt.Sprintf("phone%d", i))
	}
	if t.Failed() {
		t.FailNow()
	}

	// Each phone publishes its videos one after another, all phones at once: so each phone's
	// videos have a known order ("#0" oldest) while the phones race each other.
	var wg sync.WaitGroup
	for p := range phones {
		wg.Go(func() {
			for i := range perPhone {
				title := fmt.Sprintf("phone%d #%d", p, i)
				req, err := s.publishRequest(publishPath, nil, appUpload("clip.mp4", file, tokens[p], title)...)
				var body []byte
				if err == nil {
					body, err = send(req)
				}
				if err != nil || string(body) != publishedJSON {
					t.Errorf("publish %q: %v %s", title, err, body)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Every phone's publish list holds its videos, newest first; they tell the test each video.
	works := map[int64]int{}
	byID := map[int64]publishedVideo{}
	seq := map[int64]int{} // video id -> its place in its phone's order
	for p := range phones {
		vs := s.videos(t, parseVideoPage(t, s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(ids[p])}})))
		if len(vs) != perPhone {
			t.Fatalf("phone%d has %d videos in its publish list, want %d", p, len(vs), perPhone)
		}
		works[ids[p]] = perPhone
		for i, v := range vs {
			if want := fmt.Sprintf("phone%d #%d", p, perPhone-1-i); v.title != want {
				t.Errorf("phone%d's publish list: video %d is %q, want %q (newest first)", p, i, v.title, want)
			}
			byID[v.id] = v
			seq[v.id] = perPhone - 1 - i
		}
		assertJSON(t, s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(ids[p])}}),
			publishListJSON(s.videoListJSON(vs, works)))
	}
	if len(byID) != total {
		t.Fatalf("%d distinct video ids in the publish lists, want %d", len(byID), total)
	}

	// page fetches a feed page and checks it exactly: every video known, each phone's videos
	// newest first. It returns the page's videos and next_time.
	seen := map[int64]bool{}
	page := func(t *testing.T, query url.Values) ([]publishedVideo, int64, string) {
		t.Helper()
		body := s.get(t, "/douyin/feed/", query)
		parsed := parseVideoPage(t, body)
		var vs []publishedVideo
		previous := map[int64]publishedVideo{} // per phone, its video shown last
		for _, v := range parsed.VideoList {
			known, ok := byID[v.ID]
			if !ok {
				t.Fatalf("the feed has video %d, which no publish list has", v.ID)
			}
			if prev, ok := previous[known.authorID]; ok && seq[known.id] >= seq[prev.id] {
				t.Errorf("the feed has %q after %q: not newest first", known.title, prev.title)
			}
			previous[known.authorID] = known
			vs = append(vs, known)
		}
		assertJSON(t, body, feedJSON(s.videoListJSON(vs, works), parsed.NextTime))
		return vs, parsed.NextTime, string(body)
	}

	first, next1, firstBody := page(t, nil)
	if len(first) != 30 {
		t.Fatalf("the first page has %d videos, want 30", len(first))
	}
	second, next2, secondBody := page(t, url.Values{"latest_time": {itoa(next1)}})
	if len(second) != total-30 {
		t.Fatalf("the second page has %d videos, want %d", len(second), total-30)
	}
	previous := map[int64]publishedVideo{} // per phone, its video met last
	for _, v := range slices.Concat(first, second) {
		if seen[v.id] {
			t.Errorf("video %d (%q) is on both pages", v.id, v.title)
		}
		seen[v.id] = true
		// Across the page boundary too, each phone's videos come newest first.
		if prev, ok := previous[v.authorID]; ok && seq[v.id] >= seq[prev.id] {
			t.Errorf("the feed has %q after %q: not newest first", v.title, prev.title)
		}
		previous[v.authorID] = v
	}
	if len(seen) != total {
		t.Errorf("the two pages hold %d distinct videos, want all %d", len(seen), total)
	}
	if next2 >= next1 {
		t.Errorf("next_time went from %d to %d: not older", next1, next2)
	}

	t.Run("past the oldest video the page is empty and echoes latest_time", func(t *testing.T) {
		assertJSON(t, s.get(t, "/douyin/feed/", url.Values{"latest_time": {itoa(next2)}}),
			feedJSON("[]", next2))
	})

	t.Run("next_time is exactly the oldest video's publish time", func(t *testing.T) {
		// One millisecond later the first page's oldest video is included again, first.
		vs, next, _ := page(t, url.Values{"latest_time": {itoa(next1 + 1)}})
		oldest := first[len(first)-1]
		if len(vs) != total-30+1 || vs[0].id != oldest.id {
			t.Errorf("latest_time=next_time+1 gave %d videos, want %d starting with %q", len(vs), total-30+1, oldest.title)
		}
		if next != next2 {
			t.Errorf("next_time %d, want %d", next, next2)
		}
	})

	t.Run("latest_time meaning now", func(t *testing.T) {
		for _, lt := range []string{"0", "", "abc", "  "} {
			if got := string(s.get(t, "/douyin/feed/", url.Values{"latest_time": {lt}})); got != firstBody {
				t.Errorf("latest_time=%q: not the first page\n got: %s\nwant: %s", lt, got, firstBody)
			}
		}
	})

	t.Run("latest_time in seconds", func(t *testing.T) {
		// A second after every publish: read as seconds it is the first page; misread as
		// milliseconds it would be 1970 and empty.
		after := time.Now().Unix() + 1
		if got := string(s.get(t, "/douyin/feed/", url.Values{"latest_time": {itoa(after)}})); got != firstBody {
			t.Errorf("latest_time=%d (seconds): not the first page\n got: %s\nwant: %s", after, got, firstBody)
		}
		// The second of the oldest video, rounded down: nothing before it, and next_time echoes
		// the value converted to milliseconds.
		oldest := next2 / 1000
		assertJSON(t, s.get(t, "/douyin/feed/", url.Values{"latest_time": {itoa(oldest)}}),
			feedJSON("[]", oldest*1000))
	})

	t.Run("latest_time in float notation", func(t *testing.T) {
		ms := strconv.FormatFloat(float64(next1), 'e', -1, 64) // "1.7957365581e+12"
		if got := string(s.get(t, "/douyin/feed/", url.Values{"latest_time": {ms}})); got != secondBody {
			t.Errorf("latest_time=%s: not the second page\n got: %s\nwant: %s", ms, got, secondBody)
		}
		sec := strconv.FormatFloat(float64(time.Now().Unix()+1), 'e', -1, 64) // "1.795736559e+09"
		if got := string(s.get(t, "/douyin/feed/", url.Values{"latest_time": {sec}})); got != firstBody {
			t.Errorf("latest_time=%s (seconds): not the first page\n got: %s\nwant: %s", sec, got, firstBody)
		}
	})

	t.Run("viewers", func(t *testing.T) {
		// Nobody likes anything, so a logged-in viewer and an empty token see what an
		// anonymous one sees.
		for _, q := range []url.Values{{"token": {tokens[0]}}, {"token": {""}}} {
			if got := string(s.get(t, "/douyin/feed/", q)); got != firstBody {
				t.Errorf("feed with %v: not the first page\n got: %s\nwant: %s", q, got, firstBody)
			}
		}
		forged := signJWT(t, "not-the-server-secret-0123456789", fmt.Sprintf(
			`{"iss":"douyin","sub":"%d","iat":%d,"exp":%d}`, ids[0], time.Now().Unix(), time.Now().Add(time.Hour).Unix()))
		// A token that acts for nobody reads as none on the feed (the app keeps a stale token
		// after a reset; TestFeedWithATokenThatActsForNobody has the rest).
		for _, token := range []string{forged, alterSignature(tokens[0]), "abc"} {
			assertJSON(t, s.get(t, "/douyin/feed/", url.Values{"token": {token}}), firstBody)
			assertJSON(t, s.get(t, "/douyin/feed/", url.Values{"token": {token}, "latest_time": {itoa(next1)}}), secondBody)
		}
	})
}

// demoVideos are the clips a first start publishes, newest first, with their files in the repo.
var demoVideos = []struct{ title, file string }{
	{"Game of life", "demo/03-game-of-life.mp4"},
	{"Mandelbrot", "demo/02-mandelbrot.mp4"},
	{"Test pattern", "demo/01-test-pattern.mp4"},
}

// TestDemoVideos starts on the built-in defaults, where a first start seeds the sample clips so
// a newcomer's feed is not empty; a restart must not seed them again, and DOUYIN_DEMO=false
// must not seed at all.
func TestDemoVideos(t *testing.T) {
	dataDir := t.TempDir()
	s := startServer(t, dataDir, "DOUYIN_DEMO") // unset: the default, demo on
	plain := startServer(t, t.TempDir())

	// Seeding runs in the background after start: wait for it. The clips are douyin-demo's, the
	// first account.
	vs := s.demoVideosWithin(t, 10*time.Second)
	works := map[int64]int{favDemoAuthor: len(demoVideos)}
	s.assertFeed(t, nil, vs, works)
	s.assertPublishLists(t, vs, works)
	for i, d := range demoVideos {
		clip, err := os.ReadFile(d.file)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := fetch(t, s.baseURL+vs[i].playPath, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(body, clip) {
			t.Errorf("GET %s: HTTP %d, Content-Type %q, %d bytes; want 200 video/mp4 with the %d bytes of %s",
				vs[i].playPath, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(clip), d.file)
		} else if !indexFirst(t, body) {
			t.Errorf("GET %s: boxes %v; want the index first", vs[i].playPath, topLevelBoxes(t, body))
		}
		resp, body = fetch(t, s.baseURL+vs[i].coverPath, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(body, []byte{0xFF, 0xD8, 0xFF}) {
			t.Errorf("GET %s: HTTP %d, Content-Type %q; want 200 image/jpeg with a JPEG", vs[i].coverPath, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	t.Run("DOUYIN_DEMO=false seeds nothing", func(t *testing.T) {
		// Started alongside the demo server, which has seeded meanwhile: the time was there.
		before := time.Now().UnixMilli()
		body := plain.get(t, "/douyin/feed/", nil)
		after := time.Now().UnixMilli()
		next := parseVideoPage(t, body).NextTime
		assertJSON(t, body, feedJSON("[]", next))
		// An empty page echoes the effective latest_time: now.
		if next < before || next > after+1 {
			t.Errorf("next_time %d of an empty feed is not now [%d, %d]", next, before, after)
		}
	})

	t.Run("a restart does not seed again", func(t *testing.T) {
		s.stop(t)
		if t.Failed() {
			t.FailNow()
		}
		again := startServer(t, dataDir, "DOUYIN_DEMO")
		// Watch for longer than the first seeding took: a second seeding would show.
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			again.assertFeed(t, nil, vs, works)
			if t.Failed() {
				return
			}
		}
		again.assertPublishLists(t, vs, works)
	})
}

// TestVideosSurviveRestart publishes, stops the server (cleanly, on SIGTERM) and starts another
// process on the same data directory: videos, lists and the stored files are all still there.
func TestVideosSurviveRestart(t *testing.T) {
	m := needMediaTools(t)
	dataDir := t.TempDir()
	first := startServer(t, dataDir)
	aliceID, token := first.register(t, "alice")
	files := [][]byte{m.clip(t, "one.mp4", 160, 120), m.clip(t, "two.mp4", 176, 144)}
	var all []publishedVideo
	works := map[int64]int{aliceID: 0}
	for i, file := range files {
		assertJSON(t, first.publish(t, nil, appUpload("clip.mp4", file, token, fmt.Sprintf("Video %d", i+1))...), publishedJSON)
		all = append([]publishedVideo{first.newestVideo(t, aliceID)}, all...)
		works[aliceID]++
	}
	next := first.assertFeed(t, nil, all, works)
	first.stop(t)
	if t.Failed() {
		t.FailNow()
	}

	second := startServer(t, dataDir)
	if got := second.assertFeed(t, nil, all, works); got != next {
		t.Errorf("next_time after the restart %d, want %d as before", got, next)
	}
	second.assertPublishLists(t, all, works)
	// all is newest first, files oldest first.
	second.assertPlayable(t, m, all[0], files[1], "video/mp4", 176, 144)
	second.assertPlayable(t, m, all[1], files[0], "video/mp4", 160, 120)

	// The token from before the restart still publishes, and the new video goes first.
	file := m.clip(t, "three.mp4", 192, 108)
	assertJSON(t, second.publish(t, nil, appUpload("three.mp4", file, token, "After the restart")...), publishedJSON)
	v := second.newestVideo(t, aliceID)
	if v.title != "After the restart" || slices.ContainsFunc(all, func(old publishedVideo) bool { return old.id == v.id }) {
		t.Fatalf("newest video after the restart is %+v: want a new id titled %q", v, "After the restart")
	}
	all = append([]publishedVideo{v}, all...)
	works[aliceID]++
	second.assertFeed(t, nil, all, works)
	second.assertPublishLists(t, all, works)
	second.assertPlayable(t, m, v, file, "video/mp4", 192, 108)
}
