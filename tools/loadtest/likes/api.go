package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// client calls the API; token is any load user's, for reads that need one.
type client struct {
	base, token string
}

// httpClient gives up on an answer after as long as the gateway's own deadline for a like
// (call timeout and apply wait) and more: a server that stopped answering fails make load
// instead of holding it forever.
var httpClient = &http.Client{Timeout: 15 * time.Second}

type user struct {
	id    int64
	token string
}

// call sends the request and decodes the answer into out, an error when its status_code is not
// 0.
func (c client) call(method, path string, query url.Values, out any) error {
	req, err := http.NewRequest(method, c.base+path+"?"+query.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	var status struct {
		StatusCode int    `json:"status_code"`
		StatusMsg  string `json:"status_msg"`
	}
	if err := json.Unmarshal(raw, &status); err != nil || status.StatusCode != 0 {
		return fmt.Errorf("%s %s: status %d %q (%v)", method, path, status.StatusCode, status.StatusMsg, err)
	}
	return json.Unmarshal(raw, out)
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

// favorite likes (action 1) or unlikes (2) video as the user of token.
func (c client) favorite(token string, video int64, action int) error {
	q := url.Values{"token": {token}, "video_id": {strconv.FormatInt(video, 10)}, "action_type": {strconv.Itoa(action)}}
	return c.call(http.MethodPost, "/douyin/favorite/action/", q, &struct{}{})
}

func (c client) favorites(u user) ([]video, error) {
	var reply struct {
		VideoList []video `json:"video_list"`
	}
	err := c.call(http.MethodGet, "/douyin/favorite/list/", url.Values{"user_id": {strconv.FormatInt(u.id, 10)}, "token": {u.token}}, &reply)
	return reply.VideoList, err
}

func (c client) user(id int64) (profile, error) {
	var reply struct {
		User profile `json:"user"`
	}
	err := c.call(http.MethodGet, "/douyin/user/", url.Values{"user_id": {strconv.FormatInt(id, 10)}, "token": {c.token}}, &reply)
	return reply.User, err
}

// feed is the first feed page as the user of token sees it ("": anonymous).
func (c client) feed(token string) ([]video, error) {
	var reply struct {
		VideoList []video `json:"video_list"`
	}
	q := url.Values{}
	if token != "" {
		q.Set("token", token)
	}
	err := c.call(http.MethodGet, "/douyin/feed/", q, &reply)
	return reply.VideoList, err
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
