package allinone_test

// End-to-end tests of follows, friends and chat, driven the way two phones would: TestFollows
// checks every refusal and, after every follow and unfollow, the very next request of both sides
// (counts, is_follow, the three lists) byte for byte. TestChat walks two friends (where only
// friends may chat) through a conversation polled from both sides, also while both keep writing,
// and checks that nobody ever sees a message twice or misses one.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	relationActionPath = "/douyin/relation/action/"
	followListPath     = "/douyin/relation/follow/list/"
	followerListPath   = "/douyin/relation/follower/list/"
	friendListPath     = "/douyin/relation/friend/list/"
	chatPath           = "/douyin/message/chat/"
	messageActionPath  = "/douyin/message/action/"
)

// person is a registered user of a test and what the others should see of them.
// followAction is the query of a follow (follow) or an unfollow of whom, as token.
func followAction(token string, whom int64, follow bool) url.Values {
	return url.Values{"token": {token}, "to_user_id": {itoa(whom)}, "action_type": {actionType(follow)}}
}

type person struct {
	id                       int64
	name, token              string
	followCount, followerCnt int
}

// userObject is the exact User object of p, as a viewer who follows p (or not) sees it.
func (s *server) userObject(p *person, isFollow bool) string {
	return fmt.Sprintf(`{"id":%d,"name":%s,"follow_count":%d,"follower_count":%d,"is_follow":%t,`+
		`"avatar":"http://%s/static/avatar/%d.png","background_image":"http://%s/static/background/%d.png",`+
		`"signature":%s,"total_favorited":0,"work_count":0,"favorite_count":0}`,
		p.id, quote(p.name), p.followCount, p.followerCnt, isFollow, s.host(), p.id, s.host(), p.id, quote(defaultSignature))
}

// friendObject is the exact friend-list entry of p with the latest message and its direction.
func (s *server) friendObject(p *person, message string, msgType int) string {
	user := s.userObject(p, true)
	return strings.TrimSuffix(user, "}") + fmt.Sprintf(`,"message":%s,"msgType":%d}`, quote(message), msgType)
}

func userListJSON(items ...string) string {
	return `{"status_code":0,"status_msg":"","user_list":[` + strings.Join(items, ",") + `]}`
}

// follows is the test's model of who follows whom.
type follows map[[2]int64]bool

func (f follows) has(a, b *person) bool { return f[[2]int64{a.id, b.id}] }

// assertRelations checks, as each viewer, user info of everyone and everyone's follow and
// follower lists, against the model.
func (s *server) assertRelations(t *testing.T, people []*person, model follows) {
	t.Helper()
	for _, viewer := range people {
		for _, p := range people {
			want := `{"status_code":0,"status_msg":"","user":` + s.userObject(p, model.has(viewer, p)) + `}`
			assertJSON(t, s.get(t, "/douyin/user/", url.Values{"token": {viewer.token}, "user_id": {itoa(p.id)}}), want)
		}
	}
	// The lists list most recent first; the test follows in people order, so compare as sets of
	// exact objects after checking the order separately where it matters (TestFollows does).
	for _, viewer := range people {
		for _, p := range people {
			var following, followers []string
			for _, q := range people {
				if model.has(p, q) {
					following = append(following, s.userObject(q, model.has(viewer, q)))
				}
				if model.has(q, p) {
					followers = append(followers, s.userObject(q, model.has(viewer, q)))
				}
			}
			q := url.Values{"token": {viewer.token}, "user_id": {itoa(p.id)}}
			assertSameItems(t, fmt.Sprintf("follow list of %s seen by %s", p.name, viewer.name), s.get(t, followListPath, q), following)
			assertSameItems(t, fmt.Sprintf("follower list of %s seen by %s", p.name, viewer.name), s.get(t, followerListPath, q), followers)
		}
	}
}

// assertSameItems checks a user_list answer holds exactly the items given, in any order.
func assertSameItems(t *testing.T, what string, body []byte, want []string) {
	t.Helper()
	var got struct {
		StatusCode int               `json:"status_code"`
		UserList   []json.RawMessage `json:"user_list"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.StatusCode != 0 {
		t.Fatalf("%s: %v: %s", what, err, body)
	}
	items := make([]string, len(got.UserList))
	for i, raw := range got.UserList {
		items[i] = string(raw)
	}
	slices.Sort(items)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(items, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, items, want)
	}
}

func TestFollows(t *testing.T) {
	s := startServer(t, t.TempDir())
	var people []*person
	for _, name := range []string{"ann", "ben", "cat"} {
		id, token := s.register(t, name)
		people = append(people, &person{id: id, name: name, token: token})
	}
	ann, ben, cat := people[0], people[1], people[2]
	model := follows{}
	follow := func(who, whom *person, on bool) {
		t.Helper()
		assertJSON(t, s.post(t, relationActionPath, followAction(who.token, whom.id, on)), statusJSON(0, ""))
		if model.has(who, whom) != on {
			d := 1
			if !on {
				d = -1
			}
			who.followCount += d
			whom.followerCnt += d
		}
		model[[2]int64{who.id, whom.id}] = on
	}

	t.Run("refusals change nothing", func(t *testing.T) {
		q := func(token string, to int64, action string) url.Values {
			v := url.Values{"to_user_id": {itoa(to)}, "action_type": {action}}
			if token != "" {
				v.Set("token", token)
			}
			return v
		}
		tests := []struct {
			name  string
			query url.Values
			want  string
		}{
			{"no token", q("", ben.id, "1"), statusJSON(401, msgLoginRequired)},
			{"bad token", q(ann.token+"x", ben.id, "1"), statusJSON(401, msgBadToken)},
			{"yourself", q(ann.token, ann.id, "1"), statusJSON(400, "you cannot follow yourself")},
			{"unknown user", q(ann.token, 999_999, "1"), statusJSON(404, "user not found")},
			{"no target", q(ann.token, 0, "1"), statusJSON(400, "to_user_id must be a user id")},
			{"bad action", q(ann.token, ben.id, "3"), statusJSON(400, "action_type must be 1 (follow) or 2 (unfollow)")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assertJSON(t, s.post(t, relationActionPath, tt.query), tt.want)
			})
		}
		s.assertRelations(t, people, model)
	})

	t.Run("follow, follow again, follow back, unfollow: every next request shows it", func(t *testing.T) {
		steps := []struct {
			who, whom *person
			on        bool
		}{
			{ann, ben, true}, {ann, ben, true}, {ann, cat, true}, {ben, ann, true}, {cat, ben, true},
			{ann, cat, false}, {ann, cat, false}, {cat, ann, false}, {ann, cat, true},
		}
		for i, st := range steps {
			follow(st.who, st.whom, st.on)
			if t.Failed() {
				t.Fatalf("step %d failed", i)
			}
			s.assertRelations(t, people, model)
		}
	})

	t.Run("lists are most recent first", func(t *testing.T) {
		// ann followed ben, then (again) cat: cat first.
		assertJSON(t, s.get(t, followListPath, url.Values{"token": {ann.token}}),
			userListJSON(s.userObject(cat, true), s.userObject(ben, true)))
		// ben is followed by ann, then cat.
		assertJSON(t, s.get(t, followerListPath, url.Values{"token": {ben.token}, "user_id": {itoa(ben.id)}}),
			userListJSON(s.userObject(cat, false), s.userObject(ann, true)))
	})

	t.Run("friends are mutual follows", func(t *testing.T) {
		assertJSON(t, s.get(t, friendListPath, url.Values{"token": {ann.token}}), userListJSON(s.friendObject(ben, "", 0)))
		assertJSON(t, s.get(t, friendListPath, url.Values{"token": {ben.token}, "user_id": {itoa(ben.id)}}),
			userListJSON(s.friendObject(ann, "", 0)))
		assertJSON(t, s.get(t, friendListPath, url.Values{"token": {cat.token}}), userListJSON())
		assertJSON(t, s.get(t, friendListPath, url.Values{"token": {cat.token}, "user_id": {itoa(ann.id)}}),
			`{"status_code":403,"status_msg":"you can only list your own friends","user_list":[]}`)
		assertJSON(t, s.get(t, friendListPath, nil), `{"status_code":401,"status_msg":`+quote(msgLoginRequired)+`,"user_list":[]}`)
	})

	t.Run("lists of unknown users are refused, anonymous lists need a user", func(t *testing.T) {
		assertJSON(t, s.get(t, followListPath, url.Values{"token": {ann.token}, "user_id": {"999999"}}),
			`{"status_code":404,"status_msg":"user not found","user_list":[]}`)
		assertJSON(t, s.get(t, followerListPath, nil),
			`{"status_code":400,"status_msg":"user_id is required when not logged in","user_list":[]}`)
		assertJSON(t, s.get(t, followerListPath, url.Values{"user_id": {itoa(ben.id)}}),
			userListJSON(s.userObject(cat, false), s.userObject(ann, false)))
	})
}

// chatMessage is a message as the chat endpoint returns it.
type chatMessage struct {
	ID         int64  `json:"id"`
	ToUserID   int64  `json:"to_user_id"`
	FromUserID int64  `json:"from_user_id"`
	Content    string `json:"content"`
	CreateTime int64  `json:"create_time"`
}

func (s *server) chat(t *testing.T, viewer, peer *person, pre int64) []chatMessage {
	t.Helper()
	q := url.Values{"token": {viewer.token}, "to_user_id": {itoa(peer.id)}}
	if pre != 0 {
		q.Set("pre_msg_time", itoa(pre))
	}
	body := s.get(t, chatPath, q)
	var got struct {
		StatusCode  int           `json:"status_code"`
		StatusMsg   string        `json:"status_msg"`
		MessageList []chatMessage `json:"message_list"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.StatusCode != 0 || got.MessageList == nil {
		t.Fatalf("chat: %v: %s", err, body)
	}
	for i := 1; i < len(got.MessageList); i++ {
		if got.MessageList[i].CreateTime <= got.MessageList[i-1].CreateTime {
			t.Fatalf("chat is not oldest first with unique times: %s", body)
		}
	}
	// Every message is of this conversation, a poll's only the peer's, and the answer is
	// exactly these messages in the API's shape.
	items := make([]string, len(got.MessageList))
	for i, m := range got.MessageList {
		fromPeer := m.FromUserID == peer.id && m.ToUserID == viewer.id
		if !fromPeer && (pre != 0 || m.FromUserID != viewer.id || m.ToUserID != peer.id) {
			t.Fatalf("chat of %d with %d (pre_msg_time %d) holds message %+v", viewer.id, peer.id, pre, m)
		}
		items[i] = fmt.Sprintf(`{"id":%d,"to_user_id":%d,"from_user_id":%d,"content":%s,"create_time":%d}`,
			m.ID, m.ToUserID, m.FromUserID, quote(m.Content), m.CreateTime)
	}
	assertJSON(t, body, `{"status_code":0,"status_msg":"","message_list":[`+strings.Join(items, ",")+`]}`)
	return got.MessageList
}

func (s *server) send(t *testing.T, from, to *person, content string) []byte {
	t.Helper()
	return s.post(t, messageActionPath, url.Values{
		"token": {from.token}, "to_user_id": {itoa(to.id)}, "action_type": {"1"}, "content": {content},
	})
}

// TestChat runs where only friends may chat (message.friends_only), the rule its first subtest
// checks; chat open to anyone is TestMessagingAnyone's.
func TestChat(t *testing.T) {
	s := startServer(t, t.TempDir(), unthrottled, "DOUYIN_MESSAGE_FRIENDS_ONLY=true")
	var people []*person
	for _, name := range []string{"dan", "eve", "fay"} {
		id, token := s.register(t, name)
		people = append(people, &person{id: id, name: name, token: token})
	}
	dan, eve, fay := people[0], people[1], people[2]

	t.Run("only friends may write; empty and long messages are refused", func(t *testing.T) {
		assertJSON(t, s.send(t, dan, eve, "hi"), statusJSON(403, "you can only message friends: follow each other first"))
		assertJSON(t, s.post(t, relationActionPath, followAction(dan.token, eve.id, true)), statusJSON(0, ""))
		assertJSON(t, s.send(t, dan, eve, "hi"), statusJSON(403, "you can only message friends: follow each other first"))
		assertJSON(t, s.post(t, relationActionPath, followAction(eve.token, dan.id, true)), statusJSON(0, ""))
		assertJSON(t, s.send(t, dan, eve, "  \n "), statusJSON(400, "the message is empty"))
		assertJSON(t, s.send(t, dan, eve, strings.Repeat("好", 1001)), statusJSON(400, "a message can have at most 1000 characters, got 1001"))
		assertJSON(t, s.send(t, dan, dan, "me"), statusJSON(400, "you cannot message yourself"))
		assertJSON(t, s.post(t, messageActionPath, url.Values{"token": {dan.token}, "to_user_id": {itoa(eve.id)}, "action_type": {"2"}, "content": {"x"}}),
			statusJSON(400, "action_type must be 1 (send)"))
		assertJSON(t, s.post(t, messageActionPath, url.Values{"to_user_id": {itoa(eve.id)}, "action_type": {"1"}, "content": {"x"}}),
			statusJSON(401, msgLoginRequired))
		if got := s.chat(t, dan, eve, 0); len(got) != 0 {
			t.Fatalf("refused messages were stored: %+v", got)
		}
	})

	t.Run("a conversation polled from both sides", func(t *testing.T) {
		assertJSON(t, s.send(t, dan, eve, "hi eve 👋"), statusJSON(0, ""))
		eveSees := s.chat(t, eve, dan, 0)
		if len(eveSees) != 1 || eveSees[0].Content != "hi eve 👋" || eveSees[0].FromUserID != dan.id || eveSees[0].ToUserID != eve.id {
			t.Fatalf("eve's first poll: %+v", eveSees)
		}
		if ms := eveSees[0].CreateTime; ms < time.Now().Add(-time.Minute).UnixMilli() || ms > time.Now().UnixMilli()+1000 {
			t.Fatalf("create_time %d is not epoch milliseconds of now", ms)
		}
		// dan's own message never comes back to him on a poll.
		if got := s.chat(t, dan, eve, eveSees[0].CreateTime); len(got) != 0 {
			t.Fatalf("dan's poll returned his own message: %+v", got)
		}
		assertJSON(t, s.send(t, eve, dan, "hi dan"), statusJSON(0, ""))
		got := s.chat(t, dan, eve, eveSees[0].CreateTime)
		if len(got) != 1 || got[0].Content != "hi dan" || got[0].FromUserID != eve.id {
			t.Fatalf("dan's poll after eve's reply: %+v", got)
		}
		// The whole conversation, from either side, oldest first.
		for _, viewer := range []*person{dan, eve} {
			peer := eve
			if viewer == eve {
				peer = dan
			}
			all := s.chat(t, viewer, peer, 0)
			if len(all) != 2 || all[0].Content != "hi eve 👋" || all[1].Content != "hi dan" {
				t.Fatalf("%s's whole conversation: %+v", viewer.name, all)
			}
		}
		// A third user sees nothing of it.
		if got := s.chat(t, fay, dan, 0); len(got) != 0 {
			t.Fatalf("fay sees %+v", got)
		}
		// Nobody to chat with.
		assertJSON(t, s.get(t, chatPath, url.Values{"token": {dan.token}, "to_user_id": {"999999"}}),
			`{"status_code":404,"status_msg":"user not found","message_list":[]}`)
	})

	t.Run("the friend list shows the latest message and who sent it", func(t *testing.T) {
		dan.followCount, dan.followerCnt, eve.followCount, eve.followerCnt = 1, 1, 1, 1
		assertJSON(t, s.get(t, friendListPath, url.Values{"token": {dan.token}}), userListJSON(s.friendObject(eve, "hi dan", 0)))
		assertJSON(t, s.get(t, friendListPath, url.Values{"token": {eve.token}}), userListJSON(s.friendObject(dan, "hi dan", 1)))
	})

	t.Run("both keep writing while both poll: nothing missed, nothing twice", func(t *testing.T) {
		const perSide = 40
		type side struct {
			me, peer *person
			got      []chatMessage // what polls returned, in order
			last     int64
		}
		sides := []*side{{me: dan, peer: eve}, {me: eve, peer: dan}}
		for _, sd := range sides {
			all := s.chat(t, sd.me, sd.peer, 0)
			sd.last = all[len(all)-1].CreateTime
		}
		var wg sync.WaitGroup
		done := make(chan struct{})
		for _, sd := range sides {
			wg.Go(func() {
				for i := range perSide {
					if body := s.send(t, sd.me, sd.peer, fmt.Sprintf("%s %d", sd.me.name, i)); string(body) != statusJSON(0, "") {
						t.Errorf("send: %s", body)
					}
				}
			})
		}
		var pollers sync.WaitGroup
		for _, sd := range sides {
			pollers.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					for _, m := range s.chat(t, sd.me, sd.peer, sd.last) {
						sd.got = append(sd.got, m)
						sd.last = m.CreateTime
					}
				}
			})
		}
		wg.Wait()
		close(done)
		pollers.Wait()
		for _, sd := range sides { // a last poll, as the app's next tick would
			for _, m := range s.chat(t, sd.me, sd.peer, sd.last) {
				sd.got = append(sd.got, m)
				sd.last = m.CreateTime
			}
		}
		for _, sd := range sides {
			var want []string
			for i := range perSide {
				want = append(want, fmt.Sprintf("%s %d", sd.peer.name, i))
			}
			var got []string
			for _, m := range sd.got {
				if m.FromUserID != sd.peer.id {
					t.Fatalf("%s's polls returned their own message %+v", sd.me.name, m)
				}
				got = append(got, m.Content)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s's polls returned %d messages %v; want exactly %s's %d, once each, in order", sd.me.name, len(got), got, sd.peer.name, perSide)
			}
		}
	})
}

// userObjects collects every user object (any object with "is_follow") anywhere in an answer.
func userObjects(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["is_follow"]; ok {
				out = append(out, v)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// TestIsFollowEverywhere checks is_follow and the follow counts in every kind of answer that
// shows users (feed authors, publish and favorite lists, comment users, profiles), for viewers
// who follow the users shown and viewers who do not.
func TestIsFollowEverywhere(t *testing.T) {
	needMediaTools(t)
	s := startServer(t, t.TempDir(), "DOUYIN_DEMO")
	demo := s.waitDemoVideos(t)
	ann, annToken := s.register(t, "ann")
	_, benToken := s.register(t, "ben")
	_, catToken := s.register(t, "cat")
	follow := func(token string, to int64) {
		t.Helper()
		assertJSON(t, s.post(t, relationActionPath, followAction(token, to, true)), statusJSON(0, ""))
	}
	follow(annToken, favDemoAuthor)
	follow(benToken, favDemoAuthor)
	follow(benToken, ann)
	video := itoa(demo[0].id)
	assertJSON(t, s.post(t, favActionPath, url.Values{"token": {annToken}, "video_id": {video}, "action_type": {"1"}}), favOK)
	if body := s.post(t, "/douyin/comment/action/", url.Values{"token": {annToken}, "video_id": {video}, "action_type": {"1"}, "comment_text": {"nice"}}); !strings.Contains(string(body), `"status_code":0`) {
		t.Fatalf("comment: %s", body)
	}

	// Who follows whom, and the follower counts everyone must see.
	follows := map[string]map[int64]bool{
		annToken: {favDemoAuthor: true},
		benToken: {favDemoAuthor: true, ann: true},
		catToken: {},
		"":       {},
	}
	followers := map[int64]float64{favDemoAuthor: 2, ann: 1}
	answers := map[string]func(token string) []byte{
		"feed": func(token string) []byte { return s.get(t, "/douyin/feed/", url.Values{"token": {token}}) },
		"publish list": func(token string) []byte {
			return s.get(t, "/douyin/publish/list/", url.Values{"token": {token}, "user_id": {itoa(favDemoAuthor)}})
		},
		"favorite list": func(token string) []byte {
			return s.get(t, favListPath, url.Values{"token": {token}, "user_id": {itoa(ann)}})
		},
		"comment list": func(token string) []byte {
			return s.get(t, "/douyin/comment/list/", url.Values{"token": {token}, "video_id": {video}})
		},
		"profile of ann": func(token string) []byte {
			return s.get(t, "/douyin/user/", url.Values{"token": {token}, "user_id": {itoa(ann)}})
		},
	}
	for name, answer := range answers {
		for token, followed := range follows {
			if token == "" && name == "profile of ann" {
				continue // profiles need a login
			}
			users := userObjects(t, answer(token))
			if len(users) == 0 {
				t.Fatalf("%s shows no users", name)
			}
			for _, u := range users {
				id := int64(u["id"].(float64))
				if u["is_follow"] != followed[id] || u["follower_count"] != followers[id] {
					t.Errorf("%s (viewer follows %v): user %d has is_follow %v, follower_count %v; want %v, %v",
						name, followed, id, u["is_follow"], u["follower_count"], followed[id], followers[id])
				}
			}
		}
	}
}
