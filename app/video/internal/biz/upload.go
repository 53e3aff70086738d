package biz

import (
	"fmt"
	"io"
	"time"

	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// UploadSpool keeps uploads outside memory while they arrive and while they are checked and
// stored; the media tools read them by path. A publish that dies with its process leaves its
// files in the spool, which is how SweepUploads finds the objects it may have left.
type UploadSpool interface {
	// Create starts the file of the upload called name.
	Create(name string) (SpooledFile, error)
	// Stale returns the names of the uploads with a file last written before cutoff.
	Stale(cutoff time.Time) ([]string, error)
	// RemoveStale removes those files of the upload called name last written before cutoff;
	// a file already gone is no error.
	RemoveStale(name string, cutoff time.Time) error
}

// SpooledFile is one upload's file, and the cover drawn from it.
type SpooledFile interface {
	io.Writer
	// Flush makes every byte written so far durable, before other programs read the file.
	Flush() error
	// Path is where the media tools read the file; CoverPath is where they draw its cover, and
	// FaststartPath where they write it with its index first (MediaTool.Faststart).
	Path() string
	CoverPath() string
	FaststartPath() string
	// Contents reads the file from its first byte.
	Contents() (io.Reader, error)
	// Cover opens the drawn cover and returns its size.
	Cover() (io.ReadCloser, int64, error)
	// Faststart opens the file written at FaststartPath and returns its size.
	Faststart() (io.ReadCloser, int64, error)
	// Remove deletes the file, its cover and its faststart copy. Safe to call more than once.
	Remove()
}

// Upload is a file being received. It spools so it never sits in memory, and refuses bytes
// past the size limit.
type Upload struct {
	// name is the upload's random name; the objects it becomes are named after it, which is how
	// a sweep finds the objects of a publish that died (see SweepUploads).
	name  string
	file  SpooledFile
	size  int64
	limit int64
}

// NewUpload starts receiving a file.
func (uc *VideoUsecase) NewUpload() (*Upload, error) {
	name := randomName()
	f, err := uc.spool.Create(name)
	if err != nil {
		return nil, fmt.Errorf("create upload file: %w", err)
	}
	return &Upload{name: name, file: f, limit: uc.limits.MaxUploadBytes}, nil
}

// Write appends p, or fails with a TOO_LARGE error once the file would pass the limit.
func (u *Upload) Write(p []byte) (int, error) {
	if u.limit > 0 && u.size+int64(len(p)) > u.limit {
		return 0, apierror.New(videov1.ErrorReason_TOO_LARGE, "the video is larger than the %s limit", apierror.Bytes(u.limit))
	}
	n, err := u.file.Write(p)
	u.size += int64(n)
	return n, err
}

// Discard removes the received file and anything drawn from it. Safe to call more than once.
func (u *Upload) Discard() {
	u.file.Remove()
}
