package data

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/douyin-kratos/douyin/app/video/internal/biz"
)

const (
	// uploadPrefix starts the names of the files uploads spool to (upload-NAME, upload-NAME.jpg
	// for its cover and upload-NAME.faststart for its copy with the index first), so that a
	// sweep of the upload dir touches nothing else.
	uploadPrefix    = "upload-"
	coverSuffix     = ".jpg"
	faststartSuffix = ".faststart"
)

// UploadDir is the directory uploads spool to: video.upload_dir, or data_dir/tmp.
type UploadDir string

// UploadSpool implements biz.UploadSpool with files in one directory, which other processes
// of the app may share: the sweep only removes files older than any publish in progress.
type UploadSpool struct {
	dir string
}

// NewUploadSpool creates the directory, readable by this user only.
func NewUploadSpool(dir UploadDir) (*UploadSpool, error) {
	if err := os.MkdirAll(string(dir), 0o700); err != nil {
		return nil, fmt.Errorf("upload dir: %w", err)
	}
	return &UploadSpool{dir: string(dir)}, nil
}

// Create implements biz.UploadSpool. The file is new (an existing name is an error) and
// readable by this user only.
func (s *UploadSpool) Create(name string) (biz.SpooledFile, error) {
	path := filepath.Join(s.dir, uploadPrefix+name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &spooledFile{file: f}, nil
}

// Stale implements biz.UploadSpool.
func (s *UploadSpool) Stale(cutoff time.Time) ([]string, error) {
	stale, err := s.staleFiles(cutoff, "")
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range stale {
		names = append(names, name)
	}
	return names, nil
}

// RemoveStale implements biz.UploadSpool.
func (s *UploadSpool) RemoveStale(name string, cutoff time.Time) error {
	stale, err := s.staleFiles(cutoff, name)
	if err != nil {
		return err
	}
	var errs []error
	for _, path := range stale[name] {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// staleFiles returns the paths of the upload files last written before cutoff, by the name of
// their upload; only those of the upload called only, unless that is "".
func (s *UploadSpool) staleFiles(cutoff time.Time, only string) (map[string][]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	stale := map[string][]string{}
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), uploadPrefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, coverSuffix), faststartSuffix)
		if only != "" && name != only {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue // gone meanwhile, or an upload that may still be running
		}
		stale[name] = append(stale[name], filepath.Join(s.dir, e.Name()))
	}
	return stale, nil
}

// spooledFile implements biz.SpooledFile: the upload's file, its cover beside it.
type spooledFile struct {
	file *os.File
}

func (f *spooledFile) Write(p []byte) (int, error) { return f.file.Write(p) }

func (f *spooledFile) Flush() error { return f.file.Sync() }

func (f *spooledFile) Path() string { return f.file.Name() }

func (f *spooledFile) CoverPath() string { return f.file.Name() + coverSuffix }

func (f *spooledFile) FaststartPath() string { return f.file.Name() + faststartSuffix }

func (f *spooledFile) Contents() (io.Reader, error) {
	if _, err := f.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return f.file, nil
}

func (f *spooledFile) Cover() (io.ReadCloser, int64, error) { return openSized(f.CoverPath()) }

func (f *spooledFile) Faststart() (io.ReadCloser, int64, error) { return openSized(f.FaststartPath()) }

// openSized opens the file at path and returns its size.
func openSized(path string) (io.ReadCloser, int64, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, 0, err
	}
	return file, st.Size(), nil
}

func (f *spooledFile) Remove() {
	f.file.Close()
	os.Remove(f.file.Name())
	os.Remove(f.CoverPath())
	os.Remove(f.FaststartPath())
}
