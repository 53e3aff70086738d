// Command likedelay measures how long one user's like takes to show in the favorite_count
// another user sees in the feed: it likes a video, polls the feed as someone else until the
// count moves, then unlikes it again, and prints the median and the worst of the rounds.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18888", "the all-in-one's HTTP address")
	tokensFile := flag.String("tokens", "", "file with one user token per line (the 2nd and 3rd are used)")
	video := flag.Int64("video", 0, "id of a video on the first feed page")
	rounds := flag.Int("rounds", 20, "likes to time")
	flag.Parse()
	tokens, err := readLines(*tokensFile)
	if err != nil || len(tokens) < 3 {
		log.Fatalf("need at least 3 tokens in %q: %v", *tokensFile, err)
	}
	liker, viewer := tokens[1], tokens[2]
	base := "http://" + *addr

	// Start from "not liked": a load run before may have left the video liked, and liking it
	// again would change nothing.
	if err := favorite(base, liker, *video, 2); err != nil {
		log.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	var delays []time.Duration
	for range *rounds {
		before, err := favoriteCount(base, viewer, *video)
		if err != nil {
			log.Fatal(err)
		}
		start := time.Now()
		if err := favorite(base, liker, *video, 1); err != nil {
			log.Fatal(err)
		}
		for {
			n, err := favoriteCount(base, viewer, *video)
			if err != nil {
				log.Fatal(err)
			}
			if n != before {
				break
			}
			if time.Since(start) > 10*time.Second {
				log.Fatalf("the like of video %d did not show in the feed within 10s", *video)
			}
		}
		delays = append(delays, time.Since(start))
		if err := favorite(base, liker, *video, 2); err != nil {
			log.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // let the unlike settle before the next round
	}
	slices.Sort(delays)
	fmt.Printf("\n== delay from a like to the count another user sees in the feed (%d likes)\n", len(delays))
	fmt.Printf("   median %v, max %v\n", delays[len(delays)/2].Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
}

type status struct {
	StatusCode int    `json:"status_code"`
	StatusMsg  string `json:"status_msg"`
}

func favorite(base, token string, video int64, action int) error {
	q := url.Values{"token": {token}, "video_id": {fmt.Sprint(video)}, "action_type": {fmt.Sprint(action)}}
	var st status
	if err := call(http.MethodPost, base+"/douyin/favorite/action/?"+q.Encode(), &st); err != nil {
		return err
	}
	if st.StatusCode != 0 {
		return fmt.Errorf("favorite action %d: %d %s", action, st.StatusCode, st.StatusMsg)
	}
	return nil
}

func favoriteCount(base, token string, video int64) (int64, error) {
	var feed struct {
		status
		VideoList []struct {
			ID            int64 `json:"id"`
			FavoriteCount int64 `json:"favorite_count"`
		} `json:"video_list"`
	}
	if err := call(http.MethodGet, base+"/douyin/feed/?token="+url.QueryEscape(token), &feed); err != nil {
		return 0, err
	}
	for _, v := range feed.VideoList {
		if v.ID == video {
			return v.FavoriteCount, nil
		}
	}
	return 0, fmt.Errorf("video %d is not on the first feed page (%d %s)", video, feed.StatusCode, feed.StatusMsg)
}

func call(method, u string, out any) error {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	for s := bufio.NewScanner(f); s.Scan(); {
		if s.Text() != "" {
			lines = append(lines, s.Text())
		}
	}
	return lines, nil
}
