package biz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/moderation/moderationtest"
)

// fakeRepo keeps videos in memory; failCreate makes Create fail, failReferenced Referenced.
type fakeRepo struct {
	videos         []*Video
	failCreate     bool
	failReferenced bool
	// largestBatch is the most keys one Referenced call was asked about.
	largestBatch int
	// announced are the events Create stored, in order.
	announced []*videov1.VideoPublished
	// deleted are the events Delete stored, in order.
	deleted []*videov1.VideoDeleted
}

// Create stores v and the event announce builds from the stored video, which it gives the id
// published-<video id>, as the outbox would give one.
func (r *fakeRepo) Create(_ context.Context, v *Video, announce func(*Video) *videov1.VideoPublished) (string, error) {
	if r.failCreate {
		return "", errors.New("database down")
	}
	v.ID = int64(len(r.videos) + 1)
	v.PlayURL, v.CoverURL = "/objects/"+v.PlayKey, "/objects/"+v.CoverKey
	r.videos = append(r.videos, v)
	stored := *v
	ev := announce(&stored)
	if ev == nil {
		return "", nil
	}
	r.announced = append(r.announced, ev)
	return fmt.Sprintf("published-%d", v.ID), nil
}

// fakeWaiter records the events waited for on the user counts (work_count), and whether each
// wait had a deadline.
type fakeWaiter struct {
	waited []string
}

func (w *fakeWaiter) Wait(ctx context.Context, eventID string, consumers ...string) bool {
	if _, ok := ctx.Deadline(); ok && slices.Equal(consumers, []string{userv1.CounterConsumer}) {
		w.waited = append(w.waited, eventID)
	}
	return true
}

func (r *fakeRepo) Feed(_ context.Context, before int64, limit int) ([]*Video, error) {
	var out []*Video
	for i := len(r.videos) - 1; i >= 0 && len(out) < limit; i-- {
		if r.videos[i].PublishedAt < before {
			out = append(out, r.videos[i])
		}
	}
	return out, nil
}

func (r *fakeRepo) ListByAuthor(_ context.Context, author int64, limit int) ([]*Video, error) {
	var out []*Video
	for i := len(r.videos) - 1; i >= 0 && len(out) < limit; i-- {
		if r.videos[i].AuthorID == author {
			out = append(out, r.videos[i])
		}
	}
	return out, nil
}
func (r *fakeRepo) GetVideos(_ context.Context, ids []int64) ([]*Video, error) {
	var out []*Video
	for _, v := range r.videos {
		for _, id := range ids {
			if v.ID == id {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

func (r *fakeRepo) Referenced(_ context.Context, keys []string) (map[string]bool, error) {
	if r.failReferenced {
		return nil, errors.New("database down")
	}
	r.largestBatch = max(r.largestBatch, len(keys))
	out := map[string]bool{}
	for _, v := range r.videos {
		for _, k := range keys {
			if k == v.PlayKey || k == v.CoverKey {
				out[k] = true
			}
		}
	}
	return out, nil
}

// fakeObjects keeps objects in memory; failOn makes Put of keys with that prefix fail, failList
// makes List fail after the first object.
type fakeObjects struct {
	objects map[string][]byte
	// modified is when each object was stored.
	modified map[string]time.Time
	failOn   string
	failList bool
	// failDelete makes Delete fail.
	failDelete bool
}

func (o *fakeObjects) Put(_ context.Context, key string, r io.Reader, size int64, _ string) error {
	if o.failOn != "" && strings.HasPrefix(key, o.failOn) {
		return errors.New("storage down")
	}
	b, err := io.ReadAll(r)
	if err != nil || int64(len(b)) != size {
		return errors.New("short object")
	}
	o.store(key, b, time.Now())
	return nil
}

func (o *fakeObjects) store(key string, b []byte, modified time.Time) {
	o.objects[key] = b
	o.modified[key] = modified
}

func (o *fakeObjects) Delete(_ context.Context, key string) error {
	if o.failDelete {
		return errors.New("storage down")
	}
	delete(o.objects, key)
	return nil
}

func (o *fakeObjects) List(_ context.Context, prefix string) iter.Seq2[StoredObject, error] {
	return func(yield func(StoredObject, error) bool) {
		for i, k := range slices.Sorted(maps.Keys(o.objects)) {
			if o.failList && i > 0 {
				yield(StoredObject{}, errors.New("storage down"))
				return
			}
			if strings.HasPrefix(k, prefix) && !yield(StoredObject{Key: k, LastModified: o.modified[k]}, nil) {
				return
			}
		}
	}
}

// fakeSpool keeps spooled files in memory, under the names the real spool gives them
// (upload-NAME, and upload-NAME.jpg for its cover), each with when it was last written.
type fakeSpool struct {
	files    map[string][]byte
	modified map[string]time.Time
	// flushed holds the files flushed since their last write.
	flushed map[string]bool
}

func newFakeSpool() *fakeSpool {
	return &fakeSpool{files: map[string][]byte{}, modified: map[string]time.Time{}, flushed: map[string]bool{}}
}

func (s *fakeSpool) Create(name string) (SpooledFile, error) {
	path := "upload-" + name
	if _, ok := s.files[path]; ok {
		return nil, errors.New("file exists")
	}
	s.write(path, nil, time.Now())
	return &fakeSpooledFile{spool: s, path: path}, nil
}

func (s *fakeSpool) write(path string, b []byte, modified time.Time) {
	s.files[path] = append(s.files[path], b...)
	s.modified[path] = modified
	s.flushed[path] = false
}

// uploadName is the name of the upload the file at path belongs to.
func uploadName(path string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(path, "upload-"), ".jpg"), ".faststart")
}

func (s *fakeSpool) Stale(cutoff time.Time) ([]string, error) {
	var names []string
	for path, modified := range s.modified {
		if !modified.After(cutoff) && !slices.Contains(names, uploadName(path)) {
			names = append(names, uploadName(path))
		}
	}
	return names, nil
}

func (s *fakeSpool) RemoveStale(name string, cutoff time.Time) error {
	for path, modified := range s.modified {
		if uploadName(path) == name && !modified.After(cutoff) {
			s.remove(path)
		}
	}
	return nil
}

func (s *fakeSpool) remove(path string) {
	delete(s.files, path)
	delete(s.modified, path)
	delete(s.flushed, path)
}

type fakeSpooledFile struct {
	spool *fakeSpool
	path  string
}

func (f *fakeSpooledFile) Write(p []byte) (int, error) {
	f.spool.write(f.path, p, time.Now())
	return len(p), nil
}

func (f *fakeSpooledFile) Flush() error {
	f.spool.flushed[f.path] = true
	return nil
}

func (f *fakeSpooledFile) Path() string          { return f.path }
func (f *fakeSpooledFile) CoverPath() string     { return f.path + ".jpg" }
func (f *fakeSpooledFile) FaststartPath() string { return f.path + ".faststart" }

func (f *fakeSpooledFile) Contents() (io.Reader, error) {
	return bytes.NewReader(f.spool.files[f.path]), nil
}

func (f *fakeSpooledFile) Cover() (io.ReadCloser, int64, error) {
	b, ok := f.spool.files[f.CoverPath()]
	if !ok {
		return nil, 0, errors.New("no cover drawn")
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func (f *fakeSpooledFile) Faststart() (io.ReadCloser, int64, error) {
	b, ok := f.spool.files[f.FaststartPath()]
	if !ok {
		return nil, 0, errors.New("no faststart copy written")
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func (f *fakeSpooledFile) Remove() {
	f.spool.remove(f.path)
	f.spool.remove(f.CoverPath())
	f.spool.remove(f.FaststartPath())
}

// fakeMedia accepts files that start with "VIDEO", as 160x120 pixels lasting 3 seconds of H.264
// and AAC with the index first, unless width, height, length, videoCodec or indexLast say
// otherwise. It reads and draws files in spool, and refuses to read a file not flushed since
// its last write. Faststart writes "FASTSTART " and the file.
type fakeMedia struct {
	spool         *fakeSpool
	missing       bool
	failCover     bool
	width, height int
	length        time.Duration
	videoCodec    string
	// indexLast makes Faststart rewrite files; failFaststart makes it fail, and
	// endRequest end the request (it is called) while it runs.
	indexLast     bool
	failFaststart bool
	endRequest    context.CancelFunc
	// covers counts the covers drawn, faststarts the calls of Faststart, when set.
	covers, faststarts *int
}

func (m fakeMedia) Available() bool { return !m.missing }
func (m fakeMedia) Probe(_ context.Context, path string) (*MediaInfo, error) {
	if !m.spool.flushed[path] {
		return nil, errors.New("probed a file not flushed")
	}
	b := m.spool.files[path]
	if !strings.HasPrefix(string(b), "VIDEO") {
		return nil, ErrNotAVideo
	}
	info := &MediaInfo{ContentType: "video/mp4", Width: 160, Height: 120, Duration: 3 * time.Second, VideoDuration: 3 * time.Second,
		VideoCodecs: []string{"h264"}, AudioCodecs: []string{"aac"}}
	if m.videoCodec != "" {
		info.VideoCodecs = []string{m.videoCodec}
	}
	if m.width > 0 {
		info.Width = m.width
	}
	if m.height > 0 {
		info.Height = m.height
	}
	if m.length > 0 {
		info.Duration = m.length
	}
	return info, nil
}
func (m fakeMedia) Cover(_ context.Context, _ string, offset time.Duration, coverPath string) error {
	if m.covers != nil {
		*m.covers++
	}
	if m.failCover {
		return errors.New("ffmpeg crashed")
	}
	if offset != time.Second {
		return errors.New("cover not taken one second in")
	}
	m.spool.write(coverPath, []byte("JPEG"), time.Now())
	return nil
}

func (m fakeMedia) Faststart(ctx context.Context, path, outPath, contentType string) (bool, error) {
	if m.faststarts != nil {
		*m.faststarts++
	}
	if contentType != "video/mp4" {
		return false, fmt.Errorf("Faststart of a %s; want the probed video/mp4", contentType)
	}
	switch {
	case m.endRequest != nil:
		m.endRequest()
		return false, fmt.Errorf("ffmpeg: %w", ctx.Err())
	case m.failFaststart:
		return false, errors.New("ffmpeg: could not find tag for codec none in stream #2")
	case !m.indexLast:
		return false, nil
	}
	m.spool.write(outPath, append([]byte("FASTSTART "), m.spool.files[path]...), time.Now())
	return true, nil
}

type fixture struct {
	uc      *VideoUsecase
	repo    *fakeRepo
	waiter  *fakeWaiter
	objects *fakeObjects
	uploads *fakeSpool
}

// fixtureMaxItems is lists.max_items of the fixture's use case.
const fixtureMaxItems = 5

func newFixture(t *testing.T, media fakeMedia, maxBytes int64) *fixture {
	t.Helper()
	return newFixtureWith(t, media, Settings{MaxUploadBytes: maxBytes})
}

// newFixtureWith runs on settings, with a spool of its own.
func newFixtureWith(t *testing.T, media fakeMedia, settings Settings) *fixture {
	t.Helper()
	f := &fixture{repo: &fakeRepo{}, waiter: &fakeWaiter{}, uploads: newFakeSpool(),
		objects: &fakeObjects{objects: map[string][]byte{}, modified: map[string]time.Time{}}}
	settings.MaxListItems = fixtureMaxItems
	media.spool = f.uploads
	f.uc = NewVideoUsecase(settings, f.repo, countsv1.Awaiter{Acks: f.waiter, Wait: time.Second}, f.objects, media, f.uploads,
		fixtureBlocklist, log.DefaultLogger)
	return f
}

// fixtureBlocklist are the words no title of the fixture's use case may contain.
var fixtureBlocklist = moderationtest.Words{"spam", "垃圾"}

// publish uploads content in small writes, as the stream would deliver it.
func (f *fixture) publish(t *testing.T, content, title string) (*Video, error) {
	t.Helper()
	return f.publishCtx(t, context.Background(), content, title)
}

// publishCtx is publish within ctx.
func (f *fixture) publishCtx(t *testing.T, ctx context.Context, content, title string) (*Video, error) {
	t.Helper()
	up, err := f.uc.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(content); i += 4 {
		if _, err := up.Write([]byte(content[i:min(i+4, len(content))])); err != nil {
			up.Discard()
			return nil, err
		}
	}
	return f.uc.Publish(ctx, up, 7, title)
}

// leftovers returns the names of the files left in the spool, sorted.
func (f *fixture) leftovers(t *testing.T) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(f.uploads.files))
}

func TestPublish(t *testing.T) {
	f := newFixture(t, fakeMedia{}, 1<<10)
	v, err := f.publish(t, "VIDEO bytes", "  Sunset  ")
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != 1 || v.AuthorID != 7 || v.Title != "Sunset" || v.PublishedAt == 0 {
		t.Fatalf("published %+v", v)
	}
	if string(f.objects.objects[v.PlayKey]) != "VIDEO bytes" || string(f.objects.objects[v.CoverKey]) != "JPEG" {
		t.Fatalf("objects %v", f.objects.objects)
	}
	if !strings.HasPrefix(v.PlayKey, "videos/") || !strings.HasSuffix(v.PlayKey, ".mp4") ||
		v.PlayURL != "/objects/"+v.PlayKey || v.CoverURL != "/objects/"+v.CoverKey {
		t.Fatalf("keys and URLs %+v", v)
	}
	if left := f.leftovers(t); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// The publish adds the stored video to its author's work_count...
	if len(f.repo.announced) != 1 || f.repo.announced[0].GetVideoId() != v.ID || f.repo.announced[0].GetAuthorId() != 7 ||
		f.repo.announced[0].GetOccurredAt() <= 0 || f.repo.announced[0].GetEventId() != "" {
		t.Fatalf("announced %v; want video %d by author 7 published, with no event id yet", f.repo.announced, v.ID)
	}
	// ...and the author's next request must show the new work_count.
	if !slices.Equal(f.waiter.waited, []string{"published-1"}) {
		t.Fatalf("waited (with a deadline) for %v; want the publish's event, published-1", f.waiter.waited)
	}
}

// A published video adds one to its author's work_count: the event carries the video as stored.
func TestVideoPublished(t *testing.T) {
	v := &Video{ID: 12, AuthorID: 7, Title: "t", PlayKey: "videos/a.mp4", CoverKey: "covers/a.jpg", PublishedAt: 1_700_000_000_000}
	before := time.Now().UnixMilli()
	ev := v.Published()
	after := time.Now().UnixMilli()
	want := &videov1.VideoPublished{VideoId: 12, AuthorId: 7, OccurredAt: ev.GetOccurredAt()}
	if !proto.Equal(ev, want) || ev.GetOccurredAt() < before || ev.GetOccurredAt() > after {
		t.Errorf("Published = %v; want %v at a time in [%d, %d], and no event id yet (the outbox gives it)", ev, want, before, after)
	}
	if moves := countsv1.Moves(ev); len(moves) != 1 || moves[0] != (countsv1.Move{Entity: countsv1.User, Counter: "work_count", ID: 7, By: 1}) {
		t.Errorf("Published moves %+v; want the author's work_count up by one", moves)
	}
}

func TestPublishRefusalsLeaveNothing(t *testing.T) {
	tests := []struct {
		name    string
		media   fakeMedia
		content string
		title   string
		store   func(*fixture)
		want    error
		wantMsg string
	}{
		{name: "not a video", content: "GIF89a", title: "t", want: ErrNotAVideo},
		{name: "empty file", content: "", title: "t", want: ErrEmptyFile},
		{name: "too large", content: "VIDEO" + strings.Repeat("x", 1<<10), title: "t",
			wantMsg: "the video is larger than the 1 KB limit"},
		{name: "no title", content: "VIDEO", title: "", wantMsg: "a title is required"},
		{name: "blank title", content: "VIDEO", title: " \t ", wantMsg: "a title is required"},
		{name: "long title", content: "VIDEO", title: strings.Repeat("抖", 101), wantMsg: "the title must be at most 100 characters, got 101"},
		{name: "control character in title", content: "VIDEO", title: "a\x00b", wantMsg: "the title must not contain control characters"},
		{name: "blocked word in title", content: "VIDEO", title: "buy spam", wantMsg: "the title contains a word that is not allowed here"},
		{name: "blocked word in a Chinese title", content: "VIDEO", title: "这是垃圾视频", want: ErrTitleBlocked,
			wantMsg: "the title contains a word that is not allowed here"},
		// Refused for its title before the file is looked at: with no ffmpeg the answer is
		// still about the title.
		{name: "blocked title, no ffmpeg", media: fakeMedia{missing: true}, content: "VIDEO", title: "spam",
			wantMsg: "the title contains a word that is not allowed here"},
		{name: "no ffmpeg", media: fakeMedia{missing: true}, content: "VIDEO", title: "t", want: ErrMediaToolsMissing},
		{name: "cover fails", media: fakeMedia{failCover: true}, content: "VIDEO", title: "t"},
		{name: "video object fails", content: "VIDEO", title: "t", store: func(f *fixture) { f.objects.failOn = "videos/" }},
		{name: "cover object fails", content: "VIDEO", title: "t", store: func(f *fixture) { f.objects.failOn = "covers/" }},
		{name: "row fails", content: "VIDEO", title: "t", store: func(f *fixture) { f.repo.failCreate = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.media, 1<<10)
			if tt.store != nil {
				tt.store(f)
			}
			_, err := f.publish(t, tt.content, tt.title)
			switch {
			case err == nil:
				t.Fatal("accepted")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("err %v; want %v", err, tt.want)
			case tt.wantMsg != "" && kerrors.FromError(err).Message != tt.wantMsg:
				t.Fatalf("message %q; want %q", kerrors.FromError(err).Message, tt.wantMsg)
			}
			if len(f.objects.objects) != 0 || len(f.repo.videos) != 0 {
				t.Fatalf("left objects %v and rows %v", f.objects.objects, f.repo.videos)
			}
			if left := f.leftovers(t); len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}
		})
	}
}

func TestFeedDefaults(t *testing.T) {
	f := newFixture(t, fakeMedia{}, 0)
	now := time.UnixMilli(1_700_000_000_000)
	f.uc.now = func() time.Time { return now }
	for i := 0; i < 40; i++ {
		f.repo.videos = append(f.repo.videos, &Video{ID: int64(i + 1), PublishedAt: now.UnixMilli() - 40 + int64(i) + 1})
	}
	// The newest video was published at "now": a feed asked for "now" includes it.
	page, err := f.uc.Feed(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != MaxFeedPage || page[0].ID != 40 {
		t.Fatalf("got %d videos, first %+v", len(page), page[0])
	}
	older, _ := f.uc.Feed(context.Background(), page[len(page)-1].PublishedAt, 5)
	if len(older) != 5 || older[0].ID != page[len(page)-1].ID-1 {
		t.Fatalf("next page starts at %+v", older[0])
	}
}

func TestBatchLookups(t *testing.T) {
	f := newFixture(t, fakeMedia{}, 0)
	for i := 1; i <= 3; i++ {
		f.repo.videos = append(f.repo.videos, &Video{ID: int64(i), PlayURL: "/objects/videos/x.mp4"})
	}
	vs, err := f.uc.GetVideos(context.Background(), []int64{3, 9, 1, 3, -2})
	if err != nil || len(vs) != 2 || vs[0].ID != 3 || vs[1].ID != 1 || vs[0].PlayURL != "/objects/videos/x.mp4" {
		t.Fatalf("GetVideos = %+v, %v", vs, err)
	}
	tooMany := make([]int64, MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, err := f.uc.GetVideos(context.Background(), tooMany); kerrors.Reason(err) != "INVALID_ARGUMENT" {
		t.Fatalf("oversized batch: %v", err)
	}
	if _, err := f.uc.ListByAuthor(context.Background(), 0); kerrors.Reason(err) != "INVALID_ARGUMENT" {
		t.Fatalf("author 0: %v", err)
	}
}

func TestListByAuthorIsBounded(t *testing.T) {
	f := newFixture(t, fakeMedia{}, 0)
	for i := 1; i <= fixtureMaxItems+2; i++ {
		f.repo.videos = append(f.repo.videos, &Video{ID: int64(i), AuthorID: 7}, &Video{ID: int64(100 + i), AuthorID: 8})
	}
	vs, err := f.uc.ListByAuthor(context.Background(), 7)
	if err != nil || len(vs) != fixtureMaxItems || vs[0].ID != fixtureMaxItems+2 || vs[len(vs)-1].ID != 3 {
		t.Fatalf("ListByAuthor of %d videos = %d videos from %+v, %v; want the newest %d", fixtureMaxItems+2, len(vs), vs[0], err, fixtureMaxItems)
	}
}

// A video over the resolution or duration limit is refused from what Probe read, before a
// cover (the first decoded frame) is drawn, and leaves nothing; one exactly at the limits passes.
func TestPublishLimits(t *testing.T) {
	tests := []struct {
		name  string
		media fakeMedia
		want  string // the refusal's message; "" accepts
	}{
		{name: "at the limits", media: fakeMedia{width: 640, height: 640, length: 10 * time.Second}},
		{name: "too wide", media: fakeMedia{width: 641}, want: "the video is 641x120 pixels: at most 640 pixels wide and high are accepted"},
		{name: "too high", media: fakeMedia{height: 7680}, want: "the video is 160x7680 pixels: at most 640 pixels wide and high are accepted"},
		{name: "too long", media: fakeMedia{length: 10*time.Second + 50*time.Millisecond}, want: "the video lasts 10.1s: at most 10s is accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			covers := 0
			tt.media.covers = &covers
			f := newFixtureWith(t, tt.media, Settings{MaxDimension: 640, MaxDuration: 10 * time.Second})
			_, err := f.publish(t, "VIDEO", "t")
			if tt.want == "" {
				if err != nil || covers != 1 || len(f.repo.videos) != 1 {
					t.Fatalf("err %v, %d covers, %d videos; want published", err, covers, len(f.repo.videos))
				}
				return
			}
			if e := kerrors.FromError(err); e.Code != 400 || e.Message != tt.want {
				t.Fatalf("got %v; want 400 %q", err, tt.want)
			}
			if covers != 0 || len(f.objects.objects) != 0 || len(f.repo.videos) != 0 || len(f.leftovers(t)) != 0 {
				t.Fatalf("%d covers drawn, objects %v, rows %v, files %v left; want nothing", covers, f.objects.objects, f.repo.videos, f.leftovers(t))
			}
		})
	}
}

// Browsers play H.264 with AAC, or without sound, in mp4 and mov; the rest publishes but is not
// rewritten for them.
func TestPlaysInBrowsers(t *testing.T) {
	t.Parallel()
	for _, row := range []struct {
		name         string
		contentType  string
		video, audio []string
		want         bool
	}{
		{"H.264 and AAC in mp4", "video/mp4", []string{"h264"}, []string{"aac"}, true},
		{"H.264 and AAC in mov", "video/quicktime", []string{"h264"}, []string{"aac"}, true},
		{"H.264 without sound", "video/mp4", []string{"h264"}, nil, true},
		{"H.264 with two AAC tracks", "video/mp4", []string{"h264"}, []string{"aac", "aac"}, true},
		{"HEVC", "video/mp4", []string{"hevc"}, []string{"aac"}, false},
		{"HEVC in mov, as iPhones record", "video/quicktime", []string{"hevc"}, []string{"aac"}, false},
		{"VP9 in mp4", "video/mp4", []string{"vp9"}, []string{"opus"}, false},
		{"AV1 in mp4", "video/mp4", []string{"av1"}, nil, false},
		{"MPEG-4 part 2", "video/mp4", []string{"mpeg4"}, []string{"aac"}, false},
		{"H.264 and MP3", "video/mp4", []string{"h264"}, []string{"mp3"}, false},
		{"H.264 and Opus", "video/mp4", []string{"h264"}, []string{"opus"}, false},
		{"H.264 and AAC and AC-3", "video/mp4", []string{"h264"}, []string{"aac", "ac3"}, false},
		{"H.264 and HEVC video tracks", "video/mp4", []string{"h264", "hevc"}, nil, false},
		{"a codec ffprobe could not name", "video/mp4", []string{""}, nil, false},
		{"no video stream", "video/mp4", nil, []string{"aac"}, false},
		{"another container", "video/webm", []string{"h264"}, []string{"aac"}, false},
		{"no container known", "", []string{"h264"}, []string{"aac"}, false},
	} {
		info := &MediaInfo{ContentType: row.contentType, VideoCodecs: row.video, AudioCodecs: row.audio}
		if got := info.PlaysInBrowsers(); got != row.want {
			t.Errorf("%s: PlaysInBrowsers() = %v; want %v", row.name, got, row.want)
		}
	}
}

// What browsers play is stored with its index first when it was not; anything else, and a
// file whose rewrite failed, is stored as it came; the publish succeeds either way, unless the
// request ended, and no spooled file is left.
func TestPublishFaststart(t *testing.T) {
	t.Parallel()
	ended, end := context.WithCancel(context.Background())
	defer end()
	const upload = "VIDEO bytes"
	for _, row := range []struct {
		name  string
		media fakeMedia
		ctx   context.Context
		// stored is what the video object must hold; "" for a refused publish.
		stored     string
		faststarts int
	}{
		{name: "index last: rewritten", media: fakeMedia{indexLast: true}, stored: "FASTSTART " + upload, faststarts: 1},
		{name: "index first already: as it came", media: fakeMedia{}, stored: upload, faststarts: 1},
		{name: "HEVC: as it came, not even looked at", media: fakeMedia{videoCodec: "hevc", indexLast: true}, stored: upload},
		{name: "MPEG-4 part 2: as it came", media: fakeMedia{videoCodec: "mpeg4", indexLast: true}, stored: upload},
		{name: "the rewrite fails: as it came", media: fakeMedia{indexLast: true, failFaststart: true}, stored: upload, faststarts: 1},
		{name: "the request ends during the rewrite: refused", media: fakeMedia{indexLast: true, endRequest: end}, ctx: ended, faststarts: 1},
	} {
		t.Run(row.name, func(t *testing.T) {
			faststarts := 0
			row.media.faststarts = &faststarts
			f := newFixture(t, row.media, 1<<10)
			ctx := row.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			v, err := f.publishCtx(t, ctx, upload, "t")
			if faststarts != row.faststarts {
				t.Errorf("Faststart called %d times; want %d", faststarts, row.faststarts)
			}
			if row.stored == "" {
				if err == nil || len(f.objects.objects) != 0 || len(f.repo.videos) != 0 {
					t.Errorf("Publish = %v, objects %v, rows %v; want an error and nothing stored", err, f.objects.objects, f.repo.videos)
				}
			} else {
				if err != nil {
					t.Fatalf("Publish: %v", err)
				}
				if got := string(f.objects.objects[v.PlayKey]); got != row.stored {
					t.Errorf("stored %q; want %q", got, row.stored)
				}
			}
			if left := f.leftovers(t); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
