package data

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestUploadSpool(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "tmp")
	spool, err := NewUploadSpool(UploadDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("upload dir %v, %v; want it made, readable by this user only", st, err)
	}
	f, err := spool.Create("abc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spool.Create("abc"); err == nil {
		t.Fatal("a second upload of the same name was spooled over the first")
	}
	if f.Path() != filepath.Join(dir, "upload-abc") || f.CoverPath() != filepath.Join(dir, "upload-abc.jpg") ||
		f.FaststartPath() != filepath.Join(dir, "upload-abc.faststart") {
		t.Fatalf("paths %q, %q and %q", f.Path(), f.CoverPath(), f.FaststartPath())
	}
	if st, err := os.Stat(f.Path()); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("upload file %v, %v; want it readable by this user only", st, err)
	}
	for _, chunk := range []string{"VIDEO", " bytes"} {
		if _, err := f.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(f.Path()); err != nil || string(b) != "VIDEO bytes" {
		t.Fatalf("file holds %q, %v", b, err)
	}
	// Read twice: each read starts from the first byte.
	for range 2 {
		r, err := f.Contents()
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(r); err != nil || string(b) != "VIDEO bytes" {
			t.Fatalf("Contents = %q, %v", b, err)
		}
	}
	wantBeside(t, "cover", f.CoverPath(), f.Cover, "JPEG")
	wantBeside(t, "faststart copy", f.FaststartPath(), f.Faststart, "VIDEO, index first")
	f.Remove()
	f.Remove() // safe twice
	if left := filesIn(t, dir); len(left) != 0 {
		t.Fatalf("files left after Remove: %v", left)
	}
}

// wantBeside checks a file the media tools write beside an upload (what): open finds none before
// it is written at path, then opens it with its size and contents.
func wantBeside(t *testing.T, what, path string, open func() (io.ReadCloser, int64, error), contents string) {
	t.Helper()
	if _, _, err := open(); err == nil {
		t.Fatalf("a %s never written opened", what)
	}
	if err := os.WriteFile(path, []byte(contents), 0o600); err != nil {
		t.Fatal(err)
	}
	r, size, err := open()
	if err != nil || size != int64(len(contents)) {
		t.Fatalf("%s: size %d, %v; want %d", what, size, err, len(contents))
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || string(b) != contents {
		t.Fatalf("%s holds %q, %v", what, b, err)
	}
}

// The sweep's view of the directory: only files named like an upload's, by their upload, by
// when each was last written.
func TestUploadSpoolStale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spool, err := NewUploadSpool(UploadDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cutoff := now.Add(-15 * time.Minute)
	stale, fresh := cutoff.Add(-time.Minute), cutoff.Add(time.Minute)
	leave := func(name string, modified time.Time) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("VIDEO"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, modified, modified); err != nil {
			t.Fatal(err)
		}
	}
	leave("upload-died", stale)
	leave("upload-died.jpg", stale)
	leave("upload-died.faststart", stale) // died while ffmpeg wrote its copy
	leave("upload-receiving", stale)
	leave("upload-live", fresh)
	leave("upload-live.jpg", fresh)
	leave("upload-drawing", stale) // its cover is being drawn: only the file itself is stale
	leave("upload-drawing.jpg", fresh)
	leave("upload-remuxing", stale) // its faststart copy is being written: likewise
	leave("upload-remuxing.faststart", fresh)
	leave("notes.txt", stale) // not an upload: never touched
	if err := os.Mkdir(filepath.Join(dir, "upload-folder"), 0o700); err != nil {
		t.Fatal(err)
	}

	names, err := spool.Stale(cutoff)
	if slices.Sort(names); err != nil || !slices.Equal(names, []string{"died", "drawing", "receiving", "remuxing"}) {
		t.Fatalf("Stale = %v, %v; want died, drawing, receiving and remuxing", names, err)
	}
	for _, name := range []string{"died", "drawing", "receiving", "remuxing", "live"} {
		if err := spool.RemoveStale(name, cutoff); err != nil {
			t.Fatalf("RemoveStale(%s): %v", name, err)
		}
	}
	want := []string{"notes.txt", "upload-drawing.jpg", "upload-folder", "upload-live", "upload-live.jpg", "upload-remuxing.faststart"}
	if left := filesIn(t, dir); !slices.Equal(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
	if err := spool.RemoveStale("died", cutoff); err != nil {
		t.Fatalf("removing an upload already gone: %v", err)
	}
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
