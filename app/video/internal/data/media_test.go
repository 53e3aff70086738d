package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/app/video/videotest"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/config"
)

// These tests run the real ffmpeg and ffprobe. They are installed wherever the tests run (CI
// included); a machine without them fails here rather than passing without having checked.
func requireFFmpeg(t *testing.T) *FFmpeg {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required by the media tool tests and is not in PATH (%v): install ffmpeg", tool, err)
		}
	}
	f := NewFFmpeg(&confv1.Video{Ffmpeg: "ffmpeg", Ffprobe: "ffprobe"}, bootstrap.NewReadiness())
	if !f.Available() {
		t.Fatal("NewFFmpeg: ffmpeg and ffprobe are in PATH but Available() is false")
	}
	return f
}

// ffmpegMake runs ffmpeg with args, writing dir/name, and returns that path.
func ffmpegMake(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-v", "error", "-y"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making %s: ffmpeg %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
	return out
}

// rename moves a file to a new name in the same directory, the way a client mislabels one.
func rename(t *testing.T, path, name string) string {
	t.Helper()
	to := filepath.Join(filepath.Dir(path), name)
	if err := os.Rename(path, to); err != nil {
		t.Fatal(err)
	}
	return to
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// testsrc returns ffmpeg input arguments for a generated test picture.
func testsrc(size string, seconds string) []string {
	return []string{"-f", "lavfi", "-i", "testsrc=size=" + size + ":rate=10:duration=" + seconds}
}

func TestProbe(t *testing.T) {
	f := requireFFmpeg(t)
	dir := t.TempDir()
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	sine := func(seconds string) []string { return []string{"-f", "lavfi", "-i", "sine=duration=" + seconds} }

	const notAVideo = "" // ContentType of the rows that must be refused
	rows := []struct {
		name     string
		make     func(t *testing.T) string
		wantType string
		wantDur  time.Duration
	}{
		{"mp4", func(t *testing.T) string {
			return ffmpegMake(t, dir, "a.mp4", args(testsrc("160x120", "2"), h264)...)
		}, "video/mp4", 2 * time.Second},
		{"mp4 with an audio track", func(t *testing.T) string {
			return ffmpegMake(t, dir, "av.mp4", args(testsrc("160x120", "2"), sine("2"), h264, []string{"-c:a", "aac", "-shortest"})...)
		}, "video/mp4", 2 * time.Second},
		{"mp4 in MPEG-4 part 2", func(t *testing.T) string {
			return ffmpegMake(t, dir, "mpeg4.mp4", args(testsrc("160x120", "2"), []string{"-c:v", "mpeg4"})...)
		}, "video/mp4", 2 * time.Second},
		{"mov", func(t *testing.T) string {
			return ffmpegMake(t, dir, "a.mov", args(testsrc("160x120", "2"), h264, []string{"-f", "mov"})...)
		}, "video/quicktime", 2 * time.Second},
		{"mov named .mp4: the content decides", func(t *testing.T) string {
			return ffmpegMake(t, dir, "mov-named.mp4", args(testsrc("160x120", "2"), h264, []string{"-f", "mov"})...)
		}, "video/quicktime", 2 * time.Second},
		{"mp4 named .mov: the content decides", func(t *testing.T) string {
			return ffmpegMake(t, dir, "mp4-named.mov", args(testsrc("160x120", "2"), h264, []string{"-f", "mp4"})...)
		}, "video/mp4", 2 * time.Second},

		{"JPEG renamed .mp4", func(t *testing.T) string {
			return rename(t, ffmpegMake(t, dir, "x.jpg", args(testsrc("160x120", "1"), []string{"-frames:v", "1"})...), "jpeg.mp4")
		}, notAVideo, 0},
		{"PNG renamed .mp4", func(t *testing.T) string {
			return rename(t, ffmpegMake(t, dir, "x.png", args(testsrc("160x120", "1"), []string{"-frames:v", "1"})...), "png.mp4")
		}, notAVideo, 0},
		{"animated GIF renamed .mp4", func(t *testing.T) string {
			return rename(t, ffmpegMake(t, dir, "x.gif", testsrc("160x120", "1")...), "gif.mp4")
		}, notAVideo, 0},
		{"text file", func(t *testing.T) string {
			return writeFile(t, dir, "text.mp4", []byte("this is not a video, just some words\n"))
		}, notAVideo, 0},
		{"empty file", func(t *testing.T) string {
			return writeFile(t, dir, "empty.mp4", nil)
		}, notAVideo, 0},
		{"random bytes", func(t *testing.T) string {
			b := make([]byte, 256<<10)
			rng := rand.New(rand.NewPCG(3, 4))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return writeFile(t, dir, "random.mp4", b)
		}, notAVideo, 0},
		{"truncated mp4 (index at the end, cut off)", func(t *testing.T) string {
			full, err := os.ReadFile(ffmpegMake(t, dir, "whole.mp4", args(testsrc("160x120", "2"), h264)...))
			if err != nil {
				t.Fatal(err)
			}
			return writeFile(t, dir, "truncated.mp4", full[:len(full)/2])
		}, notAVideo, 0},
		{"audio-only m4a", func(t *testing.T) string {
			return ffmpegMake(t, dir, "x.m4a", args(sine("1"), []string{"-c:a", "aac"})...)
		}, notAVideo, 0},
		{"audio-only m4a renamed .mp4", func(t *testing.T) string {
			return rename(t, ffmpegMake(t, dir, "y.m4a", args(sine("1"), []string{"-c:a", "aac"})...), "audio.mp4")
		}, notAVideo, 0},
		{"mp3", func(t *testing.T) string {
			return ffmpegMake(t, dir, "x.mp3", args(sine("1"), []string{"-c:a", "libmp3lame"})...)
		}, notAVideo, 0},
		{"webm video (VP8)", func(t *testing.T) string {
			if !hasEncoder(t, "libvpx") {
				// Matroska is what webm is; the mkv row below covers the container.
				t.Skip("this ffmpeg has no libvpx encoder")
			}
			return ffmpegMake(t, dir, "x.webm", args(testsrc("160x120", "1"), []string{"-c:v", "libvpx", "-deadline", "realtime"})...)
		}, notAVideo, 0},
		{"mkv video (MPEG-4 part 2) renamed .mp4", func(t *testing.T) string {
			return rename(t, ffmpegMake(t, dir, "x.mkv", args(testsrc("160x120", "1"), []string{"-c:v", "mpeg4", "-f", "matroska"})...), "mkv.mp4")
		}, notAVideo, 0},
		{"mkv video (H.264)", func(t *testing.T) string {
			return ffmpegMake(t, dir, "h264.mkv", args(testsrc("160x120", "1"), h264)...)
		}, notAVideo, 0},
		{"mp4 whose only picture is an attached cover, with audio", func(t *testing.T) string {
			pic := ffmpegMake(t, dir, "cover.jpg", args(testsrc("160x120", "1"), []string{"-frames:v", "1"})...)
			p := ffmpegMake(t, dir, "song.mp4", args(sine("1"), []string{"-i", pic, "-map", "0", "-map", "1",
				"-c:a", "aac", "-c:v", "copy", "-disposition:v:0", "attached_pic"})...)
			// Make sure the fixture is what it claims: ffprobe must see the attached picture.
			out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v",
				"-show_entries", "stream_disposition=attached_pic", "-of", "csv=p=0", p).Output()
			if err != nil || strings.TrimSpace(string(out)) != "1" {
				t.Fatalf("fixture: ffprobe sees attached_pic %q, %v; want 1", out, err)
			}
			return p
		}, notAVideo, 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel() // each row makes its own files
			path := row.make(t)
			info, err := f.Probe(context.Background(), path)
			if row.wantType == notAVideo {
				if !errors.Is(err, biz.ErrNotAVideo) {
					t.Fatalf("Probe = %+v, %v; want ErrNotAVideo", info, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if info.ContentType != row.wantType {
				t.Errorf("ContentType %q; want %q", info.ContentType, row.wantType)
			}
			if d := info.Duration - row.wantDur; d < -200*time.Millisecond || d > 200*time.Millisecond {
				t.Errorf("Duration %v; want %v ± 0.2s", info.Duration, row.wantDur)
			}
		})
	}

	t.Run("a cancelled request is not a verdict on the file", func(t *testing.T) {
		path := ffmpegMake(t, dir, "cancelled.mp4", args(testsrc("160x120", "1"), h264)...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		info, err := f.Probe(ctx, path)
		if err == nil || errors.Is(err, biz.ErrNotAVideo) {
			t.Fatalf("Probe with a cancelled context = %+v, %v; want an error other than ErrNotAVideo", info, err)
		}
	})
}

func hasEncoder(t *testing.T, name string) bool {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-encoders").Output()
	if err != nil {
		t.Fatalf("ffmpeg -encoders: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[1] == name {
			return true
		}
	}
	return false
}

// jpegSize checks path holds a JPEG and returns its size as ffprobe reports it.
func jpegSize(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cover: %v", err)
	}
	if !bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) {
		t.Fatalf("cover does not start like a JPEG: % x", b[:min(len(b), 8)])
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", path).Output()
	if err != nil {
		t.Fatalf("ffprobe on the cover: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestCover(t *testing.T) {
	f := requireFFmpeg(t)
	dir := t.TempDir()
	ctx := context.Background()
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}

	t.Run("a small video keeps its size", func(t *testing.T) {
		in := ffmpegMake(t, dir, "320.mp4", append(testsrc("320x240", "2"), h264...)...)
		out := filepath.Join(dir, "320.jpg")
		if err := f.Cover(ctx, in, 500*time.Millisecond, out); err != nil {
			t.Fatal(err)
		}
		if size := jpegSize(t, out); size != "320x240" {
			t.Fatalf("cover is %s; want 320x240", size)
		}
	})

	t.Run("a large video is scaled down to 720 wide", func(t *testing.T) {
		in := ffmpegMake(t, dir, "720p.mp4", append(testsrc("1280x720", "1"), h264...)...)
		out := filepath.Join(dir, "720p.jpg")
		if err := f.Cover(ctx, in, 500*time.Millisecond, out); err != nil {
			t.Fatal(err)
		}
		// 720 × 720/1280 = 405, rounded to an even height.
		if size := jpegSize(t, out); size != "720x404" && size != "720x406" {
			t.Fatalf("cover is %s; want 720 wide, the aspect kept", size)
		}
	})

	t.Run("a mov", func(t *testing.T) {
		in := ffmpegMake(t, dir, "a.mov", append(append(testsrc("320x240", "2"), h264...), "-f", "mov")...)
		out := filepath.Join(dir, "mov.jpg")
		if err := f.Cover(ctx, in, time.Second, out); err != nil {
			t.Fatal(err)
		}
		if size := jpegSize(t, out); size != "320x240" {
			t.Fatalf("cover is %s; want 320x240", size)
		}
	})

	t.Run("not a video", func(t *testing.T) {
		text := writeFile(t, dir, "text.mp4", []byte("not a video\n"))
		if err := f.Cover(ctx, text, 500*time.Millisecond, filepath.Join(dir, "text.jpg")); err == nil {
			t.Fatal("Cover of a text file succeeded")
		}
		audio := ffmpegMake(t, dir, "audio.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac")
		if err := f.Cover(ctx, audio, 500*time.Millisecond, filepath.Join(dir, "audio.jpg")); err == nil {
			t.Fatal("Cover of an audio-only file succeeded")
		}
	})

	// Every file Probe accepts must get a cover at the offset the publish use case asks for,
	// min(1s, duration/3). Cover must never report success without having written one: the use
	// case then fails the publish when it opens the missing file.
	for _, row := range []struct {
		name string
		args []string
	}{
		{"a one-frame video", append(testsrc("160x120", "0.1"), h264...)},
		{"a short video track under a longer audio track", append(append(testsrc("160x120", "0.3"),
			"-f", "lavfi", "-i", "sine=duration=5"), append(h264, "-c:a", "aac")...)},
	} {
		t.Run("cover at the publish offset: "+row.name, func(t *testing.T) {
			in := ffmpegMake(t, dir, strings.ReplaceAll(row.name, " ", "-")+".mp4", row.args...)
			info, err := f.Probe(ctx, in)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			offset := min(time.Second, info.VideoDuration/3)
			out := filepath.Join(dir, strings.ReplaceAll(row.name, " ", "-")+".jpg")
			err = f.Cover(ctx, in, offset, out)
			if _, statErr := os.Stat(out); err == nil && statErr != nil {
				t.Fatalf("Cover(offset %v) of a %v video returned nil but wrote no cover (%v)", offset, info.VideoDuration, statErr)
			}
			if err != nil {
				t.Fatalf("Cover(offset %v) of a %v video that Probe accepts: %v", offset, info.VideoDuration, err)
			}
			jpegSize(t, out)
		})
	}
}

func TestFFmpegAvailable(t *testing.T) {
	requireFFmpeg(t)
	defaults, _, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ffmpegPath, _ := exec.LookPath("ffmpeg")
	for _, row := range []struct {
		name string
		bc   *confv1.Bootstrap
		want bool
	}{
		{"the default configuration", defaults, true},
		{"bare names", &confv1.Bootstrap{Video: &confv1.Video{Ffmpeg: "ffmpeg", Ffprobe: "ffprobe"}}, true},
		{"an absolute path", &confv1.Bootstrap{Video: &confv1.Video{Ffmpeg: ffmpegPath, Ffprobe: "ffprobe"}}, true},
		{"ffmpeg missing", &confv1.Bootstrap{Video: &confv1.Video{Ffmpeg: "definitely-not-ffmpeg", Ffprobe: "ffprobe"}}, false},
		{"ffprobe missing", &confv1.Bootstrap{Video: &confv1.Video{Ffmpeg: "ffmpeg", Ffprobe: "definitely-not-ffprobe"}}, false},
		{"nothing configured", &confv1.Bootstrap{}, false},
	} {
		ready := bootstrap.NewReadiness()
		if got := NewFFmpeg(row.bc.GetVideo(), ready).Available(); got != row.want {
			t.Errorf("%s: Available() = %v; want %v", row.name, got, row.want)
		}
		if err := ready.CheckDependencies(context.Background()); (err == nil) != row.want || (err != nil && !strings.Contains(err.Error(), "install ffmpeg")) {
			t.Errorf("%s: readiness says %v; want ready %v, or else how to fix it", row.name, err, row.want)
		}
	}
}

// Probe reads sizes and durations from the container's headers: that is what lets a huge
// picture be refused before a frame of it is decoded.
func TestProbeSizesAndDurations(t *testing.T) {
	f := requireFFmpeg(t)
	dir := t.TempDir()
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	for _, row := range []struct {
		name              string
		args              []string
		width, height     int
		length, videoSpan time.Duration
	}{
		// Wider than the default limit, yet cheap to make: a thin strip.
		{"a 4112x32 strip", append(testsrc("4112x32", "1"), h264...), 4112, 32, time.Second, time.Second},
		{"video shorter than its audio", append(append(testsrc("160x120", "1"), "-f", "lavfi", "-i", "sine=duration=3"),
			append(h264, "-c:a", "aac")...), 160, 120, 3 * time.Second, time.Second},
		// A fragmented mp4 states its length per track only, not in its header.
		{"fragmented mp4", append(append(testsrc("176x144", "2"), h264...), "-movflags", "frag_keyframe+empty_moov"),
			176, 144, 2 * time.Second, 2 * time.Second},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			path := ffmpegMake(t, dir, strings.ReplaceAll(row.name, " ", "-")+".mp4", row.args...)
			info, err := f.Probe(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			near := func(got, want time.Duration) bool {
				return got > want-100*time.Millisecond && got < want+100*time.Millisecond
			}
			if info.Width != row.width || info.Height != row.height || !near(info.Duration, row.length) || !near(info.VideoDuration, row.videoSpan) {
				t.Errorf("Probe = %dx%d, %v long, video %v; want %dx%d, %v, video %v", info.Width, info.Height, info.Duration,
					info.VideoDuration, row.width, row.height, row.length, row.videoSpan)
			}
		})
	}
}

// fakeTool writes an executable shell script standing in for ffprobe or ffmpeg.
func fakeTool(t *testing.T, dir, name, script string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// At most max_concurrent_media commands run at once; the rest wait for a turn.
func TestMediaConcurrency(t *testing.T) {
	dir := t.TempDir()
	// mkdir is atomic: a second command running at the same time finds the directory there.
	probe := fakeTool(t, dir, "ffprobe", fmt.Sprintf(`mkdir %[1]s/running 2>/dev/null || echo overlap >>%[1]s/overlaps
sleep 0.1
rmdir %[1]s/running
echo '{"format":{"format_name":"mov,mp4","duration":"1"},"streams":[{"codec_type":"video","width":16,"height":16,"duration":"1"}]}'
`, dir))
	f := NewFFmpeg(&confv1.Video{Ffmpeg: probe, Ffprobe: probe, MaxConcurrentMedia: 1}, bootstrap.NewReadiness())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := f.Probe(context.Background(), "x.mp4"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if b, err := os.ReadFile(filepath.Join(dir, "overlaps")); err == nil {
		t.Fatalf("commands ran at the same time with max_concurrent_media 1: %s", b)
	}

	t.Run("a caller whose time runs out while waiting gives up its place", func(t *testing.T) {
		f.slots <- struct{}{} // every slot taken
		defer func() { <-f.slots }()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := f.Probe(ctx, "x.mp4"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Probe = %v; want the caller's deadline", err)
		}
	})
}

// A command that runs past media_timeout is killed, and that is no verdict on the file.
func TestMediaTimeout(t *testing.T) {
	dir := t.TempDir()
	slow := fakeTool(t, dir, "slow", "exec sleep 10\n")
	f := NewFFmpeg(&confv1.Video{Ffmpeg: slow, Ffprobe: slow, MediaTimeout: durationpb.New(200 * time.Millisecond)}, bootstrap.NewReadiness())
	start := time.Now()
	_, err := f.Probe(context.Background(), "x.mp4")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, biz.ErrNotAVideo) {
		t.Errorf("Probe = %v; want the time limit, not a verdict", err)
	}
	if err := f.Cover(context.Background(), "x.mp4", 0, filepath.Join(dir, "c.jpg")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Cover = %v; want the time limit", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("two runs limited to 200 ms took %s", took)
	}
}

// topLevelBoxes lists the types of the file's top-level mp4 boxes, in order, all of them.
func topLevelBoxes(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	types, err := videotest.TopLevelBoxes(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return types
}

// moovFirst reports whether boxes holds a moov before any mdat.
func moovFirst(boxes []string) bool {
	moov, mdat := slices.Index(boxes, "moov"), slices.Index(boxes, "mdat")
	return moov >= 0 && mdat >= 0 && moov < mdat
}

// packets is ffmpeg's checksum of every packet of every stream (timestamps, sizes, contents)
// and of each stream's codec setup: two files with the same packets play the same.
func packets(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0", "-c", "copy", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg framemd5 of %s: %v", path, err)
	}
	// The line naming the ffmpeg that wrote the file is the only one a remux may change.
	return regexp.MustCompile(`(?m)^#software:.*\n`).ReplaceAllString(string(out), "")
}

// streamFacts is what ffprobe says, decoding, about the file's streams and length: the codec,
// size and rotation of each stream, and the duration of each and of the whole.
func streamFacts(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"format=duration,format_name:stream=index,codec_type,codec_name,width,height,duration,nb_frames:stream_side_data=rotation",
		"-of", "compact", path).Output()
	if err != nil {
		t.Fatalf("ffprobe of %s: %v", path, err)
	}
	return string(out)
}

// spoolUpload spools the file at path as an upload would arrive.
func spoolUpload(t *testing.T, spool *UploadSpool, path string) biz.SpooledFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	up, err := spool.Create(strings.ReplaceAll(filepath.Base(path), ".", "-"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := up.Flush(); err != nil {
		t.Fatal(err)
	}
	return up
}

// A file browsers play comes out of Faststart with its index first and every packet as it was;
// one with its index first already is left alone; every spooled file goes with the upload.
func TestFaststart(t *testing.T) {
	f := requireFFmpeg(t)
	made := t.TempDir()
	ctx := context.Background()
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	// Inputs come before the options of the output: sine, then h264 and withAAC.
	sine := []string{"-f", "lavfi", "-i", "sine=duration=1"}
	withAAC := []string{"-c:a", "aac", "-shortest"}
	for _, row := range []struct {
		name        string
		args        []string
		contentType string
		// indexFirst: made with its index first, to be left alone.
		indexFirst bool
		// rotate turns the picture 90 degrees in the container, as phones do.
		rotate bool
	}{
		{"H.264 and AAC in mp4", args(testsrc("160x120", "1"), sine, h264, withAAC), "video/mp4", false, false},
		{"H.264 without sound in mp4", args(testsrc("160x120", "1"), h264), "video/mp4", false, false},
		{"H.264 and AAC in mov", args(testsrc("160x120", "1"), sine, h264, withAAC, []string{"-f", "mov"}), "video/quicktime", false, false},
		// Phones record portrait video as landscape turned by the container: the turn must stay.
		{"H.264 turned 90 degrees", args(testsrc("160x120", "1"), sine, h264, withAAC), "video/mp4", false, true},
		{"H.264 and AAC with the index first", args(testsrc("160x120", "1"), sine, h264, withAAC, []string{"-movflags", "+faststart"}), "video/mp4", true, false},
		{"mov with the index first", args(testsrc("160x120", "1"), h264, []string{"-movflags", "+faststart", "-f", "mov"}), "video/quicktime", true, false},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			in := ffmpegMake(t, made, strings.ReplaceAll(row.name, " ", "-")+".mp4", row.args...)
			if row.rotate {
				// Encoding drops the rotate tag; a copy keeps it.
				in = ffmpegMake(t, made, "turned.mp4", "-i", in, "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90")
				if facts := streamFacts(t, in); !strings.Contains(facts, "rotation=90") {
					t.Fatalf("fixture: not turned:\n%s", facts)
				}
			}
			if got := moovFirst(topLevelBoxes(t, in)); got != row.indexFirst {
				t.Fatalf("fixture: boxes %v; want the index first: %v", topLevelBoxes(t, in), row.indexFirst)
			}
			info, err := f.Probe(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if info.ContentType != row.contentType || !info.PlaysInBrowsers() {
				t.Fatalf("Probe = %+v; want %s that browsers play", info, row.contentType)
			}
			dir := t.TempDir()
			spool, err := NewUploadSpool(UploadDir(dir))
			if err != nil {
				t.Fatal(err)
			}
			up := spoolUpload(t, spool, in)
			rewritten, err := f.Faststart(ctx, up.Path(), up.FaststartPath(), info.ContentType)
			if err != nil {
				t.Fatalf("Faststart: %v", err)
			}
			if rewritten == row.indexFirst {
				t.Fatalf("Faststart rewrote the file: %v; want %v", rewritten, !row.indexFirst)
			}
			if row.indexFirst {
				if _, err := os.Stat(up.FaststartPath()); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a file with its index first was rewritten anyway: %v", err)
				}
				if a, b := fileBytes(t, in), fileBytes(t, up.Path()); !bytes.Equal(a, b) {
					t.Error("the upload changed")
				}
			} else {
				out := up.FaststartPath()
				if boxes := topLevelBoxes(t, out); !moovFirst(boxes) || boxes[0] != "ftyp" {
					t.Errorf("rewritten boxes %v; want ftyp, then moov before mdat", boxes)
				}
				if a, b := streamFacts(t, in), streamFacts(t, out); a != b {
					t.Errorf("streams before:\n%s\nafter:\n%s", a, b)
				}
				if a, b := packets(t, in), packets(t, out); a != b {
					t.Errorf("packets differ after the rewrite:\n%s\nafter:\n%s", a, b)
				}
				after, err := f.Probe(ctx, out)
				if err != nil || after.ContentType != info.ContentType {
					t.Errorf("Probe of the rewritten file = %+v, %v; want %s", after, err, info.ContentType)
				}
				r, size, err := up.Faststart()
				if err != nil {
					t.Fatal(err)
				}
				if b, err := io.ReadAll(r); err != nil || int64(len(b)) != size || !bytes.Equal(b, fileBytes(t, out)) {
					t.Errorf("Faststart() read %d bytes of %d, %v", len(b), size, err)
				}
				r.Close()
			}
			up.Remove()
			if left := filesIn(t, dir); len(left) != 0 {
				t.Errorf("files left after Remove: %v", left)
			}
		})
	}

	// Faststart itself rewrites any mp4; the rule of what browsers play keeps the rest away from it.
	for _, row := range []struct {
		name  string
		codec []string
		want  string
	}{
		{"HEVC", []string{"-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p"}, "hevc"},
		{"MPEG-4 part 2", []string{"-c:v", "mpeg4"}, "mpeg4"},
	} {
		t.Run(row.name+" is not for browsers", func(t *testing.T) {
			t.Parallel()
			if row.want == "hevc" && !hasEncoder(t, "libx265") {
				t.Fatal("this ffmpeg has no libx265: HEVC cannot be tested")
			}
			in := ffmpegMake(t, made, strings.ReplaceAll(row.name, " ", "-")+".mp4", args(testsrc("160x120", "1"), sine, row.codec, withAAC)...)
			info, err := f.Probe(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(info.VideoCodecs, []string{row.want}) || !slices.Equal(info.AudioCodecs, []string{"aac"}) || info.PlaysInBrowsers() {
				t.Errorf("Probe = %+v; want %s and aac, which browsers do not all play", info, row.want)
			}
		})
	}
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func args(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// A failing or interrupted ffmpeg, or one that does not move the index, leaves nothing it
// wrote: the upload is stored as it came.
func TestFaststartFailures(t *testing.T) {
	requireFFmpeg(t)
	tools := t.TempDir()
	indexLast := ffmpegMake(t, tools, "index-last.mp4", args(testsrc("160x120", "1"), []string{"-c:v", "libx264", "-preset", "ultrafast"})...)
	// Each stand-in writes part of a file where ffmpeg was told to write (its last argument).
	partial := `for out; do :; done; printf 'half a file' >"$out"; `
	for _, row := range []struct {
		name, script string
		cancel       bool
		want         error
	}{
		{"ffmpeg fails", partial + "echo 'Could not find tag for codec' >&2; exit 1\n", false, nil},
		{"the request ends", partial + "exec sleep 10\n", true, context.Canceled},
		{"ffmpeg leaves the index last", `for out; do :; done; cp "$5" "$out"` + "\n", false, nil},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			ffmpeg := fakeTool(t, t.TempDir(), "ffmpeg", row.script)
			f := NewFFmpeg(&confv1.Video{Ffmpeg: ffmpeg, Ffprobe: "ffprobe"}, bootstrap.NewReadiness())
			dir := t.TempDir()
			spool, err := NewUploadSpool(UploadDir(dir))
			if err != nil {
				t.Fatal(err)
			}
			up := spoolUpload(t, spool, indexLast)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if row.cancel {
				time.AfterFunc(200*time.Millisecond, cancel)
			}
			rewritten, err := f.Faststart(ctx, up.Path(), up.FaststartPath(), "video/mp4")
			if err == nil || rewritten || (row.want != nil && !errors.Is(err, row.want)) {
				t.Fatalf("Faststart = %v, %v; want an error (%v)", rewritten, err, row.want)
			}
			if left := filesIn(t, dir); !slices.Equal(left, []string{filepath.Base(up.Path())}) {
				t.Errorf("files after the failure: %v; want only the upload", left)
			}
			up.Remove()
			if left := filesIn(t, dir); len(left) != 0 {
				t.Errorf("files left after Remove: %v", left)
			}
		})
	}
}

// indexFirst reads box headers only, and answers "no" to anything it cannot make sense of:
// ffmpeg then has its go.
func TestIndexFirst(t *testing.T) {
	t.Parallel()
	box := func(typ string, body int) []byte {
		b := make([]byte, 8+body)
		binary.BigEndian.PutUint32(b, uint32(8+body))
		copy(b[4:], typ)
		return b
	}
	large := func(typ string, body int) []byte {
		b := make([]byte, 16+body)
		binary.BigEndian.PutUint32(b, 1)
		copy(b[4:], typ)
		binary.BigEndian.PutUint64(b[8:], uint64(16+body))
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	many := make([][]byte, maxTopLevelBoxes)
	for i := range many {
		many[i] = box("free", 0)
	}
	dir := t.TempDir()
	for _, row := range []struct {
		name string
		file []byte
		want bool
	}{
		{"ftyp moov mdat", cat(box("ftyp", 16), box("moov", 100), box("mdat", 1000)), true},
		{"ftyp free moov mdat", cat(box("ftyp", 16), box("free", 8), box("moov", 100), box("mdat", 1000)), true},
		{"ftyp mdat moov", cat(box("ftyp", 16), box("mdat", 1000), box("moov", 100)), false},
		{"ftyp free mdat moov, as ffmpeg writes", cat(box("ftyp", 16), box("free", 0), box("mdat", 1000), box("moov", 100)), false},
		{"an old QuickTime file: wide mdat moov", cat(box("wide", 0), box("mdat", 1000), box("moov", 100)), false},
		{"moov without ftyp", cat(box("moov", 100), box("mdat", 1000)), true},
		{"a 64-bit mdat first", cat(box("ftyp", 16), large("mdat", 1000), box("moov", 100)), false},
		{"a 64-bit free before moov", cat(box("ftyp", 16), large("free", 1000), box("moov", 100), box("mdat", 10)), true},
		{"fragmented: moov moof mdat", cat(box("ftyp", 16), box("moov", 100), box("moof", 50), box("mdat", 1000)), true},
		{"a box to the end of the file before moov", cat(box("ftyp", 16), []byte{0, 0, 0, 0, 'f', 'r', 'e', 'e'}, box("moov", 100)), false},
		{"a box larger than the file", cat(box("ftyp", 16), []byte{0, 0, 1, 0, 'f', 'r', 'e', 'e'}, box("moov", 100)), false},
		{"a box smaller than its header", cat(box("ftyp", 16), []byte{0, 0, 0, 4, 'f', 'r', 'e', 'e'}, box("moov", 100)), false},
		{"a cut 64-bit header", cat(box("ftyp", 16), []byte{0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0}), false},
		{"neither box", cat(box("ftyp", 16), box("free", 10)), false},
		{"moov after too many boxes", cat(append(many, box("moov", 10), box("mdat", 10))...), false},
		{"empty", nil, false},
	} {
		path := writeFile(t, dir, strings.ReplaceAll(row.name, " ", "-"), row.file)
		got, err := indexFirst(path)
		if err != nil || got != row.want {
			t.Errorf("%s: indexFirst = %v, %v; want %v", row.name, got, err, row.want)
		}
	}
	if _, err := indexFirst(filepath.Join(dir, "missing")); err == nil {
		t.Error("indexFirst of a missing file: no error")
	}
}
