package main

import (
	"fmt"
	"slices"
	"time"
)

// timeDelay measures how long a like by liker takes to show in the favorite_count viewer sees in
// the feed: it likes video, polls the feed as viewer until the count moves, then unlikes it
// again, rounds times, and prints the median and the worst.
func timeDelay(c client, liker, viewer string, video int64, rounds int) error {
	// Start from "not liked": the load may have left the video liked, and liking it again
	// would change nothing.
	if err := c.favorite(liker, video, 2); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	var delays []time.Duration
	for range rounds {
		before, err := favoriteCount(c, viewer, video)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := c.favorite(liker, video, 1); err != nil {
			return err
		}
		for {
			n, err := favoriteCount(c, viewer, video)
			if err != nil {
				return err
			}
			if n != before {
				break
			}
			if time.Since(start) > 10*time.Second {
				return fmt.Errorf("the like of video %d did not show in the feed within 10s", video)
			}
		}
		delays = append(delays, time.Since(start))
		if err := c.favorite(liker, video, 2); err != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond) // let the unlike settle before the next round
	}
	slices.Sort(delays)
	fmt.Printf("\n== delay from a like to the count another user sees in the feed (%d likes)\n", len(delays))
	fmt.Printf("   median %v, max %v\n", delays[len(delays)/2].Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
	return nil
}

func favoriteCount(c client, viewer string, video int64) (int64, error) {
	feed, err := c.feed(viewer)
	if err != nil {
		return 0, err
	}
	for _, v := range feed {
		if v.ID == video {
			return v.FavoriteCount, nil
		}
	}
	return 0, fmt.Errorf("video %d is not on the first feed page", video)
}
