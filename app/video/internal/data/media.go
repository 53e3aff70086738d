package data

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
)

// FFmpeg implements biz.MediaTool with the ffprobe and ffmpeg commands.
type FFmpeg struct {
	ffmpeg, ffprobe string
	available       bool
}

// NewFFmpeg finds the tools named in the configuration.
func NewFFmpeg(bc *confv1.Bootstrap) *FFmpeg {
	ffmpeg, errMpeg := exec.LookPath(bc.GetVideo().GetFfmpeg())
	ffprobe, errProbe := exec.LookPath(bc.GetVideo().GetFfprobe())
	return &FFmpeg{ffmpeg: ffmpeg, ffprobe: ffprobe, available: errMpeg == nil && errProbe == nil}
}

// Available implements biz.MediaTool.
func (f *FFmpeg) Available() bool { return f.available }

type probeOutput struct {
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
	Streams []struct {
		CodecType   string         `json:"codec_type"`
		Duration    string         `json:"duration"`
		Disposition map[string]int `json:"disposition"`
	} `json:"streams"`
}

// Probe implements biz.MediaTool. The exit code alone proves little (ffprobe happily reads a
// JPEG renamed .mp4), so the container, a real video stream and the duration are all checked.
func (f *FFmpeg) Probe(ctx context.Context, path string) (*biz.MediaInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, f.ffprobe, "-v", "error", "-print_format", "json",
		"-show_format", "-show_streams", path).Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ffprobe: %w", ctx.Err())
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
	hasVideo := false
	seconds, err := strconv.ParseFloat(probe.Format.Duration, 64)
	for _, s := range probe.Streams {
		if s.CodecType == "video" && s.Disposition["attached_pic"] == 0 {
			hasVideo = true
			// The container lasts as long as its longest stream; frames exist only as long
			// as the video stream, which is what a cover offset must stay within.
			if d, derr := strconv.ParseFloat(s.Duration, 64); derr == nil && d > 0 && d < seconds {
				seconds = d
			}
		}
	}
	if !hasVideo || err != nil || seconds <= 0 {
		return nil, biz.ErrNotAVideo
	}
	info := &biz.MediaInfo{ContentType: "video/mp4", Duration: time.Duration(seconds * float64(time.Second))}
	if strings.TrimSpace(probe.Format.Tags["major_brand"]) == "qt" {
		info.ContentType = "video/quicktime"
	}
	return info, nil
}

// Cover implements biz.MediaTool. ffmpeg exits 0 without writing anything when the offset is
// past the last frame (a clip of one frame, a video track shorter than its timestamps say), so
// the output is checked, and the first frame is the fallback.
func (f *FFmpeg) Cover(ctx context.Context, path string, offset time.Duration, coverPath string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, at := range []time.Duration{offset, 0} {
		cmd := exec.CommandContext(ctx, f.ffmpeg, "-v", "error", "-y",
			"-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", path,
			"-frames:v", "1", "-vf", "scale='min(720,iw)':-2", "-q:v", "3", "-f", "image2", coverPath)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ffmpeg: %w: %s", err, strings.TrimSpace(string(out)))
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
