// Command likecounts checks, after make load's likes and unlikes, that every count they moved is
// exact: read back through the API, each user's favorite_count is the length of their favorite
// list, each video's favorite_count (in those lists and in the feed) is the number of lists it
// is on, and each author's total_favorited is the sum of that over their videos. The load's users
// are the only ones who like anything, so their lists are every like there is.
//
// The counts follow the likes through events, so it reads until every count agrees or -wait
// passes; it prints what still disagrees then and exits 1.
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
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18888", "the server's HTTP address")
	usersFile := flag.String("users", "", `file of the load's users, "id token" a line`)
	wait := flag.Duration("wait", 10*time.Second, "how long the counts may take to agree")
	flag.Parse()
	users, err := readUsers(*usersFile)
	if err != nil || len(users) == 0 {
		log.Fatalf("users in %q: %v", *usersFile, err)
	}
	c := client{base: "http://" + *addr, token: users[0].token}

	deadline := time.Now().Add(*wait)
	for {
		likes, wrong, err := check(c, users)
		if err != nil {
			log.Fatal(err)
		}
		if len(wrong) == 0 {
			fmt.Printf("\n== counts after the likes: exact (%d likes standing, %d users)\n", likes, len(users))
			return
		}
		if time.Now().After(deadline) {
			fmt.Printf("\n== counts after the likes: %d wrong after %v (%d likes standing)\n", len(wrong), *wait, likes)
			for _, w := range wrong {
				fmt.Println("   " + w)
			}
			os.Exit(1)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type user struct {
	id    int64
	token string
}

// check reads every user's favorite list and counts, the videos on them and the feed, and
// returns the likes standing and the counts that disagree.
func check(c client, users []user) (likes int, wrong []string, err error) {
	likers := map[int64]int64{}   // video -> users whose list it is on
	authorOf := map[int64]int64{} // video -> author
	shown := map[int64][]int64{}  // video -> favorite_count wherever it was shown
	for _, u := range users {
		list, err := c.favorites(u)
		if err != nil {
			return 0, nil, err
		}
		for _, v := range list {
			likers[v.ID]++
			authorOf[v.ID] = v.Author.ID
			shown[v.ID] = append(shown[v.ID], v.FavoriteCount)
		}
		likes += len(list)
		profile, err := c.user(u.id)
		if err != nil {
			return 0, nil, err
		}
		if profile.FavoriteCount != int64(len(list)) {
			wrong = append(wrong, fmt.Sprintf("user %d: favorite_count %d, %d videos on their list", u.id, profile.FavoriteCount, len(list)))
		}
	}
	feed, err := c.feed()
	if err != nil {
		return 0, nil, err
	}
	for _, v := range feed {
		authorOf[v.ID] = v.Author.ID
		shown[v.ID] = append(shown[v.ID], v.FavoriteCount)
	}
	received := map[int64]int64{} // author -> likes of their videos
	for _, u := range users {
		received[u.id] = 0
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
	for author, n := range received {
		profile, err := c.user(author)
		if err != nil {
			return 0, nil, err
		}
		if profile.TotalFavorited != n {
			wrong = append(wrong, fmt.Sprintf("author %d: total_favorited %d, %d likes of their videos", author, profile.TotalFavorited, n))
		}
	}
	slices.Sort(wrong)
	return likes, wrong, nil
}

type video struct {
	ID            int64 `json:"id"`
	FavoriteCount int64 `json:"favorite_count"`
	Author        struct {
		ID int64 `json:"id"`
	} `json:"author"`
}

type profile struct {
	FavoriteCount  int64 `json:"favorite_count"`
	TotalFavorited int64 `json:"total_favorited"`
}

// client reads the API; token is any load user's, for reads that need one.
type client struct {
	base, token string
}

func (c client) favorites(u user) ([]video, error) {
	var reply struct {
		VideoList []video `json:"video_list"`
	}
	err := c.get("/douyin/favorite/list/", url.Values{"user_id": {strconv.FormatInt(u.id, 10)}, "token": {u.token}}, &reply)
	return reply.VideoList, err
}

func (c client) user(id int64) (profile, error) {
	var reply struct {
		User profile `json:"user"`
	}
	err := c.get("/douyin/user/", url.Values{"user_id": {strconv.FormatInt(id, 10)}, "token": {c.token}}, &reply)
	return reply.User, err
}

func (c client) feed() ([]video, error) {
	var reply struct {
		VideoList []video `json:"video_list"`
	}
	err := c.get("/douyin/feed/", nil, &reply)
	return reply.VideoList, err
}

func (c client) get(path string, query url.Values, out any) error {
	resp, err := http.Get(c.base + path + "?" + query.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var status struct {
		StatusCode int    `json:"status_code"`
		StatusMsg  string `json:"status_msg"`
	}
	body := json.NewDecoder(resp.Body)
	var raw json.RawMessage
	if err := body.Decode(&raw); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &status); err != nil || status.StatusCode != 0 {
		return fmt.Errorf("GET %s: status %d %q (%v)", path, status.StatusCode, status.StatusMsg, err)
	}
	return json.Unmarshal(raw, out)
}

func readUsers(path string) ([]user, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var users []user
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		id, token, ok := strings.Cut(strings.TrimSpace(lines.Text()), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", lines.Text(), err)
		}
		users = append(users, user{id: n, token: token})
	}
	return users, lines.Err()
}
