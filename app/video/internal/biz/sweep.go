package biz

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// objectPrefixes are where publishes store objects; nothing else in the bucket is swept.
var objectPrefixes = []string{"videos/", "covers/"}

// A publish that dies with its process (kill -9, a power cut) leaves its spooled file behind,
// and, if it got that far, objects no video points at, perhaps only half written. Two sweeps
// remove them, both safe while other publishes run, in this process or another sharing the
// upload dir and the bucket: what they remove is older than any publish in progress can be.

// SweepUploads removes the files of uploads untouched for longer than a publish may last
// (http.upload_timeout), with the objects each would have become unless a video points at them:
// the spooled file of a publish that died is the record of which objects it may have left. It
// returns how many uploads it removed. A file whose objects cannot be checked stays for the
// next sweep.
func (uc *VideoUsecase) SweepUploads(ctx context.Context) (int, error) {
	if uc.limits.UploadTimeout <= 0 {
		return 0, nil // without a bound on a publish, a live upload cannot be told from a dead one
	}
	cutoff := uc.now().Add(-uc.limits.UploadTimeout)
	stale, err := uc.spool.Stale(cutoff)
	if err != nil {
		return 0, fmt.Errorf("sweep uploads: %w", err)
	}
	removed := 0
	var errs []error
	for _, name := range stale {
		keys := []string{playKey(name, "video/mp4"), playKey(name, "video/quicktime"), coverKey(name)}
		if _, err := uc.deleteUnreferenced(ctx, keys); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := uc.spool.RemoveStale(name, cutoff); err != nil {
			errs = append(errs, err)
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// SweepOrphans removes the stored videos and covers no video points at that are older than
// video.orphan_grace, and at least as old as a publish may last, so that the objects of a
// publish in progress, stored before its video row, are never taken for orphans. It returns how
// many it removed.
func (uc *VideoUsecase) SweepOrphans(ctx context.Context) (int, error) {
	cutoff := uc.now().Add(-max(uc.limits.OrphanGrace, uc.limits.UploadTimeout))
	removed := 0
	for _, prefix := range objectPrefixes {
		batch := make([]string, 0, MaxBatch)
		flush := func() error {
			n, err := uc.deleteUnreferenced(ctx, batch)
			removed += n
			batch = batch[:0]
			return err
		}
		for obj, err := range uc.objects.List(ctx, prefix) {
			if err != nil {
				return removed, fmt.Errorf("sweep orphans: %w", err)
			}
			if !obj.LastModified.Before(cutoff) {
				continue
			}
			if batch = append(batch, obj.Key); len(batch) == MaxBatch {
				if err := flush(); err != nil {
					return removed, err
				}
			}
		}
		if err := flush(); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// deleteUnreferenced deletes those of keys (at most MaxBatch) that no video points at, and
// returns how many that was.
func (uc *VideoUsecase) deleteUnreferenced(ctx context.Context, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	referenced, err := uc.repo.Referenced(ctx, keys)
	if err != nil {
		return 0, fmt.Errorf("sweep: which objects are referenced: %w", err)
	}
	deleted := 0
	for _, k := range keys {
		if referenced[k] {
			continue
		}
		if err := uc.objects.Delete(ctx, k); err != nil {
			return deleted, fmt.Errorf("sweep: %w", err)
		}
		deleted++
	}
	return deleted, nil
}

// SweepEvery returns how often the sweeps are worth running: uploads go stale after a publish's
// deadline, objects after the grace period. Never more often than every second.
func (uc *VideoUsecase) SweepEvery() (uploads, orphans time.Duration) {
	return max(uc.limits.UploadTimeout, time.Second), max(uc.limits.OrphanGrace, uc.limits.UploadTimeout, time.Second)
}
