package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// FFmpeg implements biz.MediaTool with the ffprobe and ffmpeg commands. At most
// video.max_concurrent_media of them run at once (the others wait their turn, within their
// request's deadline), each for at most video.media_timeout.
type FFmpeg struct {
	ffmpeg, ffprobe string
	available       bool
	// slots holds a token per command running.
	slots   chan struct{}
	timeout time.Duration
}

// NewFFmpeg finds the tools named in the configuration. Without them nothing can be published,
// so the process is not ready until it is restarted with them in place.
func NewFFmpeg(video *confv1.Video, ready *bootstrap.Readiness) *FFmpeg {
	ffmpeg, errMpeg := exec.LookPath(video.GetFfmpeg())
	ffprobe, errProbe := exec.LookPath(video.GetFfprobe())
	ready.Require("ffmpeg", func(context.Context) error {
		if err := errors.Join(errMpeg, errProbe); err != nil {
			return fmt.Errorf("%w (install ffmpeg, or set video.ffmpeg and video.ffprobe, and restart)", err)
		}
		return nil
	})
	concurrent := int(video.GetMaxConcurrentMedia())
	if concurrent <= 0 {
		concurrent = runtime.NumCPU()
	}
	return &FFmpeg{
		ffmpeg: ffmpeg, ffprobe: ffprobe, available: errMpeg == nil && errProbe == nil,
		slots: make(chan struct{}, concurrent), timeout: video.GetMediaTimeout().AsDuration(),
	}
}

// Available implements biz.MediaTool.
func (f *FFmpeg) Available() bool { return f.available }

// run runs one command once a slot is free, within the time limit, and returns its output.
// When the time ran out or the caller went away the error wraps the context's: the command's
// own failure says nothing about the file then.
func (f *FFmpeg) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: waiting for a turn: %w", filepath.Base(name), ctx.Err())
	}
	defer func() { <-f.slots }()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Killing the command must end the wait even if something it started holds its output.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(name), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// interrupted reports whether err is the request ending or the time limit, not the tool's
// verdict.
func interrupted(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

type probeOutput struct {
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
	Streams []struct {
		CodecType   string         `json:"codec_type"`
		CodecName   string         `json:"codec_name"`
		Width       int            `json:"width"`
		Height      int            `json:"height"`
		Duration    string         `json:"duration"`
		Disposition map[string]int `json:"disposition"`
	} `json:"streams"`
}

// Probe implements biz.MediaTool. The exit code alone proves little (ffprobe happily reads a
// JPEG renamed .mp4), so the container, a real video stream and the duration are all checked.
//
// -nofind_stream_info keeps ffprobe to the container's headers (mp4 and mov record each track's
// size and duration there): without it ffprobe decodes frames to fill in details, which for a
// huge picture costs what drawing the cover would, before the size could be refused.
func (f *FFmpeg) Probe(ctx context.Context, path string) (*biz.MediaInfo, error) {
	out, err := f.run(ctx, f.ffprobe, "-v", "error", "-nofind_stream_info", "-print_format", "json",
		"-show_format", "-show_streams", path)
	if err != nil {
		if interrupted(err) {
			return nil, err
		}
		return nil, biz.ErrNotAVideo // ffprobe could not read it as media at all
	}
	var probe probeOutput
	if err := json.Unmarshal(out, &probe); err != nil {
		return nil, fmt.Errorf("ffprobe output: %w", err)
	}
	// The mov demuxer reads mp4 and mov alike and reports "mov,mp4,m4a,3gp,3g2,mj2".
	if !strings.Contains(probe.Format.FormatName, "mp4") {
		return nil, biz.ErrNotAVideo
	}
	info := &biz.MediaInfo{ContentType: "video/mp4", Duration: seconds(probe.Format.Duration)}
	hasVideo := false
	for _, s := range probe.Streams {
		d := seconds(s.Duration)
		// A fragmented mp4 states its length per track only.
		info.Duration = max(info.Duration, d)
		if s.CodecType == "audio" {
			info.AudioCodecs = append(info.AudioCodecs, s.CodecName)
		}
		if s.CodecType != "video" {
			continue
		}
		// Every picture counts for the size, an attached one too: ffmpeg would decode the
		// largest when drawing the cover.
		info.Width, info.Height = max(info.Width, s.Width), max(info.Height, s.Height)
		if s.Disposition["attached_pic"] == 0 {
			hasVideo = true
			info.VideoCodecs = append(info.VideoCodecs, s.CodecName)
			// Frames exist only as long as the video stream, which is what a cover offset
			// must stay within.
			if d > 0 && (info.VideoDuration == 0 || d < info.VideoDuration) {
				info.VideoDuration = d
			}
		}
	}
	if !hasVideo || info.Duration <= 0 {
		return nil, biz.ErrNotAVideo
	}
	if info.VideoDuration == 0 {
		info.VideoDuration = info.Duration
	}
	if strings.TrimSpace(probe.Format.Tags["major_brand"]) == "qt" {
		info.ContentType = "video/quicktime"
	}
	return info, nil
}

// seconds reads one of ffprobe's durations ("2.000000"); anything else is 0.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1e6 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// Cover implements biz.MediaTool. ffmpeg exits 0 without writing anything when the offset is
// past the last frame (a clip of one frame, a video track shorter than its timestamps say), so
// the output is checked, and the first frame is the fallback. One decoding thread: the slots
// already give each command a CPU, and every extra thread holds frames of its own.
func (f *FFmpeg) Cover(ctx context.Context, path string, offset time.Duration, coverPath string) error {
	for _, at := range []time.Duration{offset, 0} {
		_, err := f.run(ctx, f.ffmpeg, "-v", "error", "-y", "-threads", "1",
			"-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", path,
			"-frames:v", "1", "-vf", "scale='min(720,iw)':-2", "-q:v", "3", "-f", "image2", coverPath)
		if err != nil {
			return err
		}
		if st, err := os.Stat(coverPath); err == nil && st.Size() > 0 {
			return nil
		}
		if at == 0 {
			break
		}
	}
	return fmt.Errorf("ffmpeg wrote no cover frame for %s", path)
}

// Faststart implements biz.MediaTool with ffmpeg's +faststart, which writes the file once and
// then moves its index to the front. Whether it is there already is read from the order of the
// file's top-level boxes, without running anything.
func (f *FFmpeg) Faststart(ctx context.Context, path, outPath, contentType string) (bool, error) {
	first, err := indexFirst(path)
	if err != nil || first {
		return false, err
	}
	// The muxer of the file's own kind: mov keeps a QuickTime file one.
	format := "mp4"
	if contentType == "video/quicktime" {
		format = "mov"
	}
	_, err = f.run(ctx, f.ffmpeg, "-v", "error", "-y", "-i", path, "-map", "0", "-c", "copy",
		"-movflags", "+faststart", "-f", format, outPath)
	if err == nil {
		// ffmpeg moves the index in a second pass over the file: make sure that happened.
		if first, err = indexFirst(outPath); err == nil && !first {
			err = fmt.Errorf("ffmpeg +faststart left the index of %s after the media data", path)
		}
	}
	if err != nil {
		os.Remove(outPath)
		return false, err
	}
	return true, nil
}

// maxTopLevelBoxes bounds the boxes indexFirst reads: files have a handful before their moov
// or mdat (ftyp, free, wide, uuid); a file with more is left for ffmpeg to judge.
const maxTopLevelBoxes = 64

// indexFirst reports whether the mp4/mov file at path has its index (a moov box) before its
// media data (an mdat box) at the top level. It reads the 8 or 16 header bytes of each box
// up to either. A file it cannot tell about (neither box among the first maxTopLevelBoxes, or
// a box header that makes no sense) is reported as not having its index first.
func indexFirst(path string) (bool, error) {
	file, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return false, err
	}
	var header [16]byte
	for at, n := int64(0), 0; n < maxTopLevelBoxes && st.Size()-at >= 8; n++ {
		if _, err := file.ReadAt(header[:8], at); err != nil {
			return false, err
		}
		switch string(header[4:8]) {
		case "moov":
			return true, nil
		case "mdat":
			return false, nil
		}
		size := int64(binary.BigEndian.Uint32(header[:4]))
		if size == 1 { // the size follows the type, in 64 bits
			if st.Size()-at < 16 {
				return false, nil
			}
			if _, err := file.ReadAt(header[8:16], at+8); err != nil {
				return false, err
			}
			size = int64(binary.BigEndian.Uint64(header[8:16]))
		}
		// 0 is a box to the end of the file; less than a header, or more than the file holds,
		// is no box.
		if size < 8 || size > st.Size()-at {
			return false, nil
		}
		at += size
	}
	return false, nil
}
