package biz

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// sweepFixture publishes nothing itself: its tests lay out what crashes would have left, on a
// clock fixed at now.
func sweepFixture(t *testing.T, uploadTimeout, grace time.Duration, now time.Time) *fixture {
	t.Helper()
	f := newFixtureWith(t, fakeMedia{}, Settings{UploadTimeout: uploadTimeout, OrphanGrace: grace})
	f.uc.now = func() time.Time { return now }
	return f
}

// spool leaves an upload's file in the spool, last written at modified. (Which files of a
// directory are an upload's is the spool's business: see data's TestUploadSpoolStale.)
func (f *fixture) spool(t *testing.T, name string, modified time.Time) {
	t.Helper()
	f.uploads.write(name, []byte("VIDEO"), modified)
}

func TestSweepUploads(t *testing.T) {
	now := time.Now()
	stale, fresh := now.Add(-16*time.Minute), now.Add(-14*time.Minute)
	f := sweepFixture(t, 15*time.Minute, time.Hour, now)
	// "died": killed after storing its objects, before its row; "done": killed after its row,
	// before removing its file; "receiving": killed while the file arrived, nothing stored;
	// "live": an upload in progress, maybe in another process sharing the dir.
	for _, name := range []string{"died", "done", "live"} {
		f.objects.store(playKey(name, "video/mp4"), []byte("VIDEO"), stale)
		f.objects.store(coverKey(name), []byte("JPEG"), stale)
	}
	f.repo.videos = append(f.repo.videos, &Video{ID: 1, PlayKey: playKey("done", "video/mp4"), CoverKey: coverKey("done")})
	f.spool(t, "upload-died", stale)
	f.spool(t, "upload-died.jpg", stale)
	f.spool(t, "upload-died.faststart", stale)
	f.spool(t, "upload-done", stale)
	f.spool(t, "upload-receiving", stale)
	f.spool(t, "upload-live", fresh)
	f.spool(t, "upload-live.jpg", fresh)

	n, err := f.uc.SweepUploads(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("SweepUploads = %d, %v; want the 3 stale uploads", n, err)
	}
	if left, want := f.leftovers(t), []string{"upload-live", "upload-live.jpg"}; !slices.Equal(left, want) {
		t.Errorf("files left %v, want %v", left, want)
	}
	want := []string{"covers/done.jpg", "covers/live.jpg", "videos/done.mp4", "videos/live.mp4"}
	if got := slices.Sorted(maps.Keys(f.objects.objects)); !slices.Equal(got, want) {
		t.Errorf("objects left %v, want %v", got, want)
	}

	t.Run("objects that cannot be checked keep their upload for the next sweep", func(t *testing.T) {
		f := sweepFixture(t, 15*time.Minute, time.Hour, now)
		f.spool(t, "upload-died", stale)
		f.objects.store(playKey("died", "video/mp4"), []byte("VIDEO"), stale)
		f.repo.failReferenced = true
		if n, err := f.uc.SweepUploads(context.Background()); err == nil || n != 0 {
			t.Fatalf("SweepUploads = %d, %v; want an error", n, err)
		}
		if left := f.leftovers(t); !slices.Equal(left, []string{"upload-died"}) || len(f.objects.objects) != 1 {
			t.Fatalf("files %v, objects %v; want both kept", left, f.objects.objects)
		}
	})
}

func TestSweepOrphans(t *testing.T) {
	now := time.Now()
	const grace, uploadTimeout = time.Hour, 15 * time.Minute
	f := sweepFixture(t, uploadTimeout, grace, now)
	old := now.Add(-grace - time.Second)
	f.repo.videos = append(f.repo.videos, &Video{ID: 1, PlayKey: "videos/kept.mp4", CoverKey: "covers/kept.jpg"})
	f.objects.store("videos/kept.mp4", nil, old)
	f.objects.store("covers/kept.jpg", nil, old)
	f.objects.store("videos/young.mov", nil, now.Add(-grace+time.Second)) // a publish may still own it
	f.objects.store("elsewhere/old.bin", nil, old)                        // not ours to sweep
	// More orphans than one batch, under both prefixes.
	var orphans []string
	for i := range MaxBatch + 20 {
		for _, key := range []string{fmt.Sprintf("videos/orphan%04d.mp4", i), fmt.Sprintf("covers/orphan%04d.jpg", i)} {
			f.objects.store(key, nil, old)
			orphans = append(orphans, key)
		}
	}

	n, err := f.uc.SweepOrphans(context.Background())
	if err != nil || n != len(orphans) {
		t.Fatalf("SweepOrphans = %d, %v; want the %d orphans", n, err, len(orphans))
	}
	want := []string{"covers/kept.jpg", "elsewhere/old.bin", "videos/kept.mp4", "videos/young.mov"}
	if got := slices.Sorted(maps.Keys(f.objects.objects)); !slices.Equal(got, want) {
		t.Errorf("objects left %v, want %v", got, want)
	}
	if f.repo.largestBatch > MaxBatch {
		t.Errorf("asked about %d keys at once, more than %d", f.repo.largestBatch, MaxBatch)
	}

	t.Run("the grace is never shorter than a publish may last", func(t *testing.T) {
		f := sweepFixture(t, uploadTimeout, time.Second, now)
		f.objects.store("videos/publishing.mp4", nil, now.Add(-uploadTimeout+time.Second))
		f.objects.store("videos/dead.mp4", nil, now.Add(-uploadTimeout-time.Second))
		if n, err := f.uc.SweepOrphans(context.Background()); err != nil || n != 1 {
			t.Fatalf("SweepOrphans = %d, %v; want 1", n, err)
		}
		if _, ok := f.objects.objects["videos/publishing.mp4"]; !ok || len(f.objects.objects) != 1 {
			t.Fatalf("objects left %v; want only videos/publishing.mp4", f.objects.objects)
		}
	})

	t.Run("a listing that fails is an error", func(t *testing.T) {
		f := sweepFixture(t, uploadTimeout, grace, now)
		f.objects.store("videos/a.mp4", nil, old)
		f.objects.store("videos/b.mp4", nil, old)
		f.objects.failList = true
		if _, err := f.uc.SweepOrphans(context.Background()); err == nil || !strings.Contains(err.Error(), "storage down") {
			t.Fatalf("SweepOrphans: %v; want the listing's error", err)
		}
	})
}
