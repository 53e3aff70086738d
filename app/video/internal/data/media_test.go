package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
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
	args := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
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
	defaults, err := config.Load("")
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
