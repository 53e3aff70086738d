// Package biz holds the video rules: what a publishable upload is (a real mp4/mov video within
// the size, resolution and duration limits, with a title), which of them browsers play (those
// are stored with their index first, to start playing at once), that a refused or failed upload
// leaves nothing behind, not even when the process dies mid-way (sweep.go), and the feed order
// (newest first, by a publish time unique to each video).
package biz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/byid"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewVideoUsecase)

const (
	// MaxTitleLength is the longest title, in characters.
	MaxTitleLength = 100
	// MaxFeedPage is the most videos one feed page holds (the contract's 30).
	MaxFeedPage = 30
	// MaxBatch bounds GetVideos.
	MaxBatch = 500
)

var (
	// ErrMediaToolsMissing answers publishes on a server without ffmpeg.
	ErrMediaToolsMissing = apierror.New(videov1.ErrorReason_MEDIA_TOOLS_MISSING,
		"this server cannot process videos right now (ffmpeg is not installed)")
	// ErrNotAVideo is returned for a file that is not an mp4 or mov video.
	ErrNotAVideo = apierror.New(videov1.ErrorReason_NOT_A_VIDEO, "the file is not a video: upload an mp4 or mov file")
	// ErrEmptyFile is returned for an upload with no bytes.
	ErrEmptyFile = apierror.New(videov1.ErrorReason_INVALID_ARGUMENT, "the file is empty")
	// ErrVideoNotFound is returned for a video that does not exist (or no longer does).
	ErrVideoNotFound = apierror.New(videov1.ErrorReason_VIDEO_NOT_FOUND, "video not found")
	// ErrTitleBlocked refuses a title with a blocked word in it.
	ErrTitleBlocked = apierror.New(videov1.ErrorReason_INVALID_ARGUMENT, "the title contains a word that is not allowed here")
)

// Blocklist tells whether text contains a word or phrase this server does not allow
// (moderation.blocked_words); an empty list allows everything.
type Blocklist interface {
	Blocks(text string) bool
}

// Video is a published video.
type Video struct {
	ID       int64
	AuthorID int64
	Title    string
	PlayKey  string
	CoverKey string
	// PublishedAt is in epoch milliseconds and unique among videos.
	PublishedAt int64
	// FavoriteCount and CommentCount are kept from the interaction app's events.
	FavoriteCount int64
	CommentCount  int64
	// PlayURL and CoverURL are where the phone fetches the objects; the repository fills them
	// in from its storage settings.
	PlayURL  string
	CoverURL string
}

// Published announces that v, as stored (with its ID), was published: a video adds one to its
// author's work_count (api/counts/v1). The outbox gives the event its id.
func (v *Video) Published() *videov1.VideoPublished {
	return &videov1.VideoPublished{VideoId: v.ID, AuthorId: v.AuthorID, OccurredAt: time.Now().UnixMilli()}
}

// Deleted announces that v was taken down: it takes its one back from its author's work_count
// (api/counts/v1), and the interaction app removes its favorites and comments. Only the delete
// that removed the row may announce it, or the count would drop twice.
func (v *Video) Deleted() *videov1.VideoDeleted {
	return &videov1.VideoDeleted{VideoId: v.ID, AuthorId: v.AuthorID, OccurredAt: time.Now().UnixMilli()}
}

// VideoRepo stores videos.
type VideoRepo interface {
	// Create stores v and sets its ID and URLs. If another video already has v.PublishedAt, v gets the
	// next free millisecond: publish times are unique, so the feed's "strictly before" cursor
	// neither repeats nor skips a video.
	// It stores, in the same transaction, the event announce builds from the video as stored
	// (Video.Published, which adds the video to its author's work_count), and returns the
	// event's id. announce runs inside the transaction, again for each attempt, so it must have
	// no effects.
	Create(ctx context.Context, v *Video, announce func(*Video) *videov1.VideoPublished) (eventID string, err error)
	// Feed returns up to limit videos published strictly before beforeMs, newest first.
	Feed(ctx context.Context, beforeMs int64, limit int) ([]*Video, error)
	// ListByAuthor returns the author's newest limit videos, newest first.
	ListByAuthor(ctx context.Context, authorID int64, limit int) ([]*Video, error)
	// GetVideos returns the videos among ids that exist, in any order.
	GetVideos(ctx context.Context, ids []int64) ([]*Video, error)
	// Delete removes the video id and stores, in the same transaction, the event announce
	// builds from it as it was (Video.Deleted). It returns the video removed and the event's
	// id, or ErrVideoNotFound when no video id exists (also when a concurrent delete removed it
	// first: only one delete announces a video). announce runs inside the transaction, again
	// for each attempt, so it must have no effects.
	Delete(ctx context.Context, id int64, announce func(*Video) *videov1.VideoDeleted) (*Video, string, error)
	// Referenced returns which of keys (at most MaxBatch) a video's PlayKey or CoverKey is.
	Referenced(ctx context.Context, keys []string) (map[string]bool, error)
}

// ObjectStore keeps the video files and covers.
type ObjectStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Delete removes key; a missing key is no error.
	Delete(ctx context.Context, key string) error
	// List yields the objects whose keys start with prefix, and stops at the first error,
	// which it yields.
	List(ctx context.Context, prefix string) iter.Seq2[StoredObject, error]
}

// StoredObject is an object as List finds it.
type StoredObject struct {
	Key          string
	LastModified time.Time
}

// MediaInfo is what probing a file found.
type MediaInfo struct {
	// ContentType is video/mp4 or video/quicktime.
	ContentType string
	// Width and Height are the largest of any picture in the file, in pixels.
	Width, Height int
	// Duration is how long the file plays: its longest stream.
	Duration time.Duration
	// VideoDuration is how long its video stream lasts, the span a cover can be drawn from.
	VideoDuration time.Duration
	// VideoCodecs and AudioCodecs name the codec of each video stream (attached pictures left
	// out) and each audio stream, as ffmpeg names them ("h264", "hevc", "aac").
	VideoCodecs, AudioCodecs []string
}

// PlaysInBrowsers reports whether web browsers play the file's codecs: H.264 video with AAC
// audio, or none, in an mp4 or mov. Chrome, Firefox and Safari all decode those; HEVC, VP9,
// AV1, MPEG-4 part 2, MP3 or Opus play in some of them, or on some machines, only. (Whether a
// browser takes the mov container at all is up to the browser.) Streams of other kinds
// (timecode, metadata) do not matter: players skip them.
//
// It goes by the codecs the container's headers name: 10-bit or 4:4:4 H.264, which most
// browsers do not decode, shows only in the stream itself, and is rare from phones and cameras.
// It is not stored with the video: what browsers play changes (HEVC plays in Safari, and in
// Chrome on machines that decode it), and a web client finds out best by trying.
func (m *MediaInfo) PlaysInBrowsers() bool {
	if (m.ContentType != "video/mp4" && m.ContentType != "video/quicktime") || len(m.VideoCodecs) == 0 {
		return false
	}
	for _, c := range m.VideoCodecs {
		if c != "h264" {
			return false
		}
	}
	for _, c := range m.AudioCodecs {
		if c != "aac" {
			return false
		}
	}
	return true
}

// MediaTool inspects uploads and draws covers.
type MediaTool interface {
	// Available reports whether the tools are installed.
	Available() bool
	// Probe returns ErrNotAVideo unless path is an mp4/mov file with a video stream and a
	// positive duration. It reads the file's headers, not its frames.
	Probe(ctx context.Context, path string) (*MediaInfo, error)
	// Cover writes a JPEG of the frame at offset into coverPath.
	Cover(ctx context.Context, path string, offset time.Duration, coverPath string) error
	// Faststart writes into outPath the file at path, an mp4 or mov of contentType, with its
	// index (the moov box) before its media data, so that a player starts before the whole
	// file has arrived. It copies the streams as they are, decoding nothing. It writes nothing
	// and returns false when the index already comes first. On an error outPath is removed.
	Faststart(ctx context.Context, path, outPath, contentType string) (rewritten bool, err error)
}

// Settings are the limits and deadlines the video rules read, taken from the configuration
// at the app's edge.
type Settings struct {
	// MaxUploadBytes bounds an upload (video.max_upload_bytes); 0 is no bound.
	MaxUploadBytes int64
	// MaxDimension (pixels) and MaxDuration bound what may be published; 0 is no bound.
	MaxDimension int
	MaxDuration  time.Duration
	// UploadTimeout bounds a whole publish (http.upload_timeout): files and objects a publish
	// made that are older than it belong to one that is over.
	UploadTimeout time.Duration
	// OrphanGrace is how old a stored object no video points at must be before it is swept
	// (video.orphan_grace).
	OrphanGrace time.Duration
	// MaxListItems bounds an author's list of videos (lists.max_items).
	MaxListItems int
}

// VideoUsecase publishes and lists videos.
type VideoUsecase struct {
	repo    VideoRepo
	counts  countsv1.Awaiter
	objects ObjectStore
	media   MediaTool
	spool   UploadSpool
	limits  Settings
	// blocked are the words no title may contain.
	blocked Blocklist
	now     func() time.Time
	log     *log.Helper
}

// NewVideoUsecase returns a VideoUsecase. A server without ffmpeg still starts (everything but
// publishing works) and says so once, here.
func NewVideoUsecase(settings Settings, repo VideoRepo, counts countsv1.Awaiter, objects ObjectStore, media MediaTool,
	spool UploadSpool, blocked Blocklist, logger log.Logger) *VideoUsecase {
	uc := &VideoUsecase{
		repo: repo, counts: counts, objects: objects, media: media, spool: spool, limits: settings,
		blocked: blocked, now: time.Now, log: log.NewHelper(logger),
	}
	if !media.Available() {
		uc.log.Warn("ffmpeg or ffprobe not found: publishing is disabled until they are installed")
	}
	return uc
}

// Publish turns a received upload into a video of authorID. Whatever happens, the upload is
// discarded, and a failure leaves no object and no row behind.
func (uc *VideoUsecase) Publish(ctx context.Context, up *Upload, authorID int64, title string) (*Video, error) {
	defer up.Discard()
	if authorID <= 0 {
		return nil, invalidArgument("the author is unknown")
	}
	title, err := cleanTitle(title)
	if err != nil {
		return nil, err
	}
	// Before the file is looked at: a title refused is refused at once, whatever the file.
	if uc.blocked.Blocks(title) {
		return nil, ErrTitleBlocked
	}
	if up.size == 0 {
		return nil, ErrEmptyFile
	}
	if !uc.media.Available() {
		return nil, ErrMediaToolsMissing
	}
	if err := up.file.Flush(); err != nil {
		return nil, fmt.Errorf("flush upload: %w", err)
	}
	info, err := uc.media.Probe(ctx, up.file.Path())
	if err != nil {
		return nil, err
	}
	// Before any frame is decoded: a huge picture costs memory and time to decode even once.
	if err := uc.withinLimits(info); err != nil {
		return nil, err
	}
	// A frame a little into the clip: the very first is often black. (Discarding the upload
	// removes the cover too.)
	if err := uc.media.Cover(ctx, up.file.Path(), min(time.Second, info.VideoDuration/3), up.file.CoverPath()); err != nil {
		return nil, fmt.Errorf("draw cover: %w", err)
	}
	contents, size, err := uc.playable(ctx, up, info)
	if err != nil {
		return nil, err
	}
	defer contents.Close()

	v := &Video{
		AuthorID:    authorID,
		Title:       title,
		PlayKey:     playKey(up.name, info.ContentType),
		CoverKey:    coverKey(up.name),
		PublishedAt: uc.now().UnixMilli(),
	}
	if err := uc.objects.Put(ctx, v.PlayKey, contents, size, info.ContentType); err != nil {
		return nil, fmt.Errorf("store video: %w", err)
	}
	if err := uc.putCover(ctx, v.CoverKey, up.file); err != nil {
		uc.deleteObjects(v.PlayKey)
		return nil, fmt.Errorf("store cover: %w", err)
	}
	eventID, err := uc.repo.Create(ctx, v, (*Video).Published)
	if err != nil {
		uc.deleteObjects(v.PlayKey, v.CoverKey)
		return nil, err
	}
	// The author's next request shows the new work_count.
	uc.counts.AwaitCounts(ctx, eventID, &videov1.VideoPublished{})
	return v, nil
}

// playable returns what to store of the upload and its size. A file browsers play is stored
// with its index first (MediaTool.Faststart), so that a browser or phone starts playing it
// before it has downloaded. Anything else is stored as it came: it publishes, and plays where
// it can. Rewriting is an improvement, not a condition: when it fails, the upload is stored as
// it came and the failure logged (here, its only edge), unless the request itself has ended.
func (uc *VideoUsecase) playable(ctx context.Context, up *Upload, info *MediaInfo) (io.ReadCloser, int64, error) {
	if info.PlaysInBrowsers() {
		rewritten, err := uc.media.Faststart(ctx, up.file.Path(), up.file.FaststartPath(), info.ContentType)
		if err == nil && rewritten {
			var r io.ReadCloser
			var size int64
			if r, size, err = up.file.Faststart(); err == nil {
				return r, size, nil
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, err
			}
			uc.log.WithContext(ctx).Warnw("msg", "publishing an upload as it came: its index could not be moved to the front",
				"upload", up.name, "error", err)
		}
	}
	contents, err := up.file.Contents()
	if err != nil {
		return nil, 0, err
	}
	// The upload's file is closed when the upload is discarded.
	return io.NopCloser(contents), up.size, nil
}

func (uc *VideoUsecase) putCover(ctx context.Context, key string, file SpooledFile) error {
	cover, size, err := file.Cover()
	if err != nil {
		return err
	}
	defer cover.Close()
	return uc.objects.Put(ctx, key, cover, size, "image/jpeg")
}

// deleteObjects removes objects of a publish that failed.
func (uc *VideoUsecase) deleteObjects(keys ...string) {
	uc.removeObjects("could not remove the object of a failed publish", keys...)
}

// removeObjects removes objects no video points at any more, logging each failure as failed.
// It does not use the request's context: a client that hung up must not leave the objects
// behind.
func (uc *VideoUsecase) removeObjects(failed string, keys ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, k := range keys {
		if err := uc.objects.Delete(ctx, k); err != nil {
			uc.log.Errorw("msg", failed, "key", k, "error", err)
		}
	}
}

// Delete takes video id down on operator's word: the row goes with its VideoDeleted event in
// one transaction, then its objects are removed. It returns the video as it was, or
// ErrVideoNotFound, also for a video deleted before: a take-down happens once.
//
// The objects are removed after the commit and best effort: a failure, or the process dying
// between the commit and the removal, leaves objects no video points at, which SweepOrphans
// removes once they are older than video.orphan_grace (it goes by the video rows alone, and the
// row is gone). Removing them before the commit instead would break a video whose delete then
// failed.
func (uc *VideoUsecase) Delete(ctx context.Context, id int64, operator string) (*Video, error) {
	if id <= 0 {
		return nil, invalidArgument("video_id must be positive")
	}
	v, eventID, err := uc.repo.Delete(ctx, id, (*Video).Deleted)
	if err != nil {
		return nil, err
	}
	uc.log.WithContext(ctx).Infow("msg", "video deleted", "video_id", v.ID, "author_id", v.AuthorID, "operator", operator)
	uc.removeObjects("could not remove the object of a deleted video; the orphan sweep will", v.PlayKey, v.CoverKey)
	// The author's next request shows the lower work_count. (The favorites the video had are
	// taken back by the interaction app as it consumes the event: the likers' counts follow
	// within about a second.)
	uc.counts.AwaitCounts(ctx, eventID, &videov1.VideoDeleted{})
	return v, nil
}

// Feed returns the newest videos published strictly before beforeMs (0 or less: now).
func (uc *VideoUsecase) Feed(ctx context.Context, beforeMs int64, limit int) ([]*Video, error) {
	if beforeMs <= 0 {
		beforeMs = uc.now().UnixMilli() + 1 // include a video published this very millisecond
	}
	if limit <= 0 || limit > MaxFeedPage {
		limit = MaxFeedPage
	}
	return uc.repo.Feed(ctx, beforeMs, limit)
}

// ListByAuthor returns an author's newest videos, at most Settings.MaxListItems, newest first.
func (uc *VideoUsecase) ListByAuthor(ctx context.Context, authorID int64) ([]*Video, error) {
	if authorID <= 0 {
		return nil, invalidArgument("user_id must be positive")
	}
	return uc.repo.ListByAuthor(ctx, authorID, uc.limits.MaxListItems)
}

// GetVideos returns the videos among ids that exist, in the order of ids, without repeats.
func (uc *VideoUsecase) GetVideos(ctx context.Context, ids []int64) ([]*Video, error) {
	ids = byid.Distinct(ids)
	if len(ids) > MaxBatch {
		return nil, invalidArgument("at most %d videos can be fetched at once", MaxBatch)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := uc.repo.GetVideos(ctx, ids)
	if err != nil {
		return nil, err
	}
	return byid.Order(ids, found, func(v *Video) int64 { return v.ID }), nil
}

func cleanTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	switch n := utf8.RuneCountInString(title); {
	case !utf8.ValidString(title):
		return "", invalidArgument("the title is not valid UTF-8")
	case n == 0:
		return "", invalidArgument("a title is required")
	case n > MaxTitleLength:
		return "", invalidArgument("the title must be at most %d characters, got %d", MaxTitleLength, n)
	case strings.ContainsFunc(title, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		return "", invalidArgument("the title must not contain control characters")
	}
	return title, nil
}

// withinLimits refuses a video larger or longer than the server accepts.
func (uc *VideoUsecase) withinLimits(info *MediaInfo) error {
	if maxDim := uc.limits.MaxDimension; maxDim > 0 && (info.Width > maxDim || info.Height > maxDim) {
		return apierror.New(videov1.ErrorReason_RESOLUTION_TOO_HIGH,
			"the video is %dx%d pixels: at most %d pixels wide and high are accepted", info.Width, info.Height, maxDim)
	}
	if maxDur := uc.limits.MaxDuration; maxDur > 0 && info.Duration > maxDur {
		return apierror.New(videov1.ErrorReason_TOO_LONG, "the video lasts %s: at most %s is accepted",
			info.Duration.Round(time.Second/10), maxDur)
	}
	return nil
}

// playKey and coverKey name the objects of the upload called name.
func playKey(name, contentType string) string {
	if contentType == "video/quicktime" {
		return "videos/" + name + ".mov"
	}
	return "videos/" + name + ".mp4"
}

func coverKey(name string) string { return "covers/" + name + ".jpg" }

func randomName() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func invalidArgument(format string, args ...any) error {
	return apierror.New(videov1.ErrorReason_INVALID_ARGUMENT, format, args...)
}
