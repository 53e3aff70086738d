package main

import (
	"fmt"
	"slices"
	"time"
)

// countsExact checks that every count the load's likes moved is exact: read back through the
// API, each user's favorite_count is the length of their favorite list, each video's
// favorite_count (in those lists and in the feed) is the number of lists it is on, and each
// author's total_favorited is the sum of that over their videos. The load's users are the only
// ones who like anything, so their lists are every like there is.
//
// The counts follow the likes through events, so it reads until every count agrees or wait
// passes, and prints what still disagrees then.
func countsExact(c client, users []user, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		likes, wrong, err := checkCounts(c, users)
		if err != nil {
			return false, err
		}
		if len(wrong) == 0 {
			fmt.Printf("\n== counts after the likes: exact (%d likes standing, %d users)\n", likes, len(users))
			return true, nil
		}
		if time.Now().After(deadline) {
			fmt.Printf("\n== counts after the likes: %d wrong after %v (%d likes standing)\n", len(wrong), wait, likes)
			for _, w := range wrong {
				fmt.Println("   " + w)
			}
			return false, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkCounts reads every user's favorite list, the feed, and the profiles of the users and of
// the authors on them, and returns the likes standing and the counts that disagree.
func checkCounts(c client, users []user) (likes int, wrong []string, err error) {
	likers := map[int64]int64{}   // video -> users whose list it is on
	authorOf := map[int64]int64{} // video -> author
	shown := map[int64][]int64{}  // video -> favorite_count wherever it was shown
	listed := map[int64]int64{}   // user -> videos on their list
	received := map[int64]int64{} // user or author -> likes of their videos
	note := func(v video) {
		authorOf[v.ID] = v.Author.ID
		shown[v.ID] = append(shown[v.ID], v.FavoriteCount)
	}
	for _, u := range users {
		list, err := c.favorites(u)
		if err != nil {
			return 0, nil, err
		}
		for _, v := range list {
			likers[v.ID]++
			note(v)
		}
		listed[u.id] = int64(len(list))
		received[u.id] = 0
		likes += len(list)
	}
	feed, err := c.feed("")
	if err != nil {
		return 0, nil, err
	}
	for _, v := range feed {
		note(v)
	}
	for video, counts := range shown {
		received[authorOf[video]] += likers[video]
		for _, n := range counts {
			if n != likers[video] {
				wrong = append(wrong, fmt.Sprintf("video %d: favorite_count %d, on %d lists", video, n, likers[video]))
				break
			}
		}
	}
	for id, n := range received {
		profile, err := c.user(id)
		if err != nil {
			return 0, nil, err
		}
		if profile.TotalFavorited != n {
			wrong = append(wrong, fmt.Sprintf("user %d: total_favorited %d, %d likes of their videos", id, profile.TotalFavorited, n))
		}
		if want, ok := listed[id]; ok && profile.FavoriteCount != want {
			wrong = append(wrong, fmt.Sprintf("user %d: favorite_count %d, %d videos on their list", id, profile.FavoriteCount, want))
		}
	}
	slices.Sort(wrong)
	return likes, wrong, nil
}
