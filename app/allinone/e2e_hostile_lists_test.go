package allinone_test

// End-to-end tests of hostile clients: one ordinary account floods a video's comments or a chat,
// or a list grows long, and every list still answers everyone with status_code 0 and the newest
// entries up to lists.max_items. Each flood is sized so that, unbounded, the answer between the
// apps would be larger than services.max_message_bytes (what made the comment list fail for
// everyone); the tests check that arithmetic first, so they cannot pass for want of a big enough
// flood. Rate limiting is off: the floods are the point.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

const (
	commentActionPath = "/douyin/comment/action/"
	commentListPath   = "/douyin/comment/list/"

	// The longest comment and message, in characters; the floods write four bytes for each,
	// UTF-8's most.
	maxCommentChars = 500
	maxMessageChars = 1000
	bytesPerChar    = 4
	// entryOverhead bounds what an entry carries between the apps besides its text: ids, times
	// and the protobuf framing.
	entryOverhead = 64

	// defaultMaxItems is lists.max_items by default.
	defaultMaxItems = 1000
)

// emojiText is n four-byte characters, different for every i below 768²: two characters from
// U+1F300 on spell i, and 😀 fills the rest.
func emojiText(i, n int) string {
	return string(rune(0x1F300+i/768)) + string(rune(0x1F300+i%768)) + strings.Repeat("😀", n-2)
}

// checkFloodSize fails the test unless n entries of entryBytes each would not fit in
// maxMessageBytes while maxItems of them do: the flood must break an unbounded list, and the
// bound must save it.
func checkFloodSize(t *testing.T, n, maxItems, entryBytes, maxMessageBytes int) {
	t.Helper()
	if unbounded, bounded := n*entryBytes, maxItems*(entryBytes+entryOverhead); unbounded <= maxMessageBytes || bounded > maxMessageBytes {
		t.Fatalf("%d entries of %d bytes (%d) must exceed %d bytes, and %d of them (%d with overhead) fit it",
			n, entryBytes, unbounded, maxMessageBytes, maxItems, bounded)
	}
}

// flood calls act(i) for every i in [from, to), from several goroutines at once, and fails the
// test with the first error.
func flood(t *testing.T, from, to int, act func(i int) error) {
	t.Helper()
	var g errgroup.Group
	g.SetLimit(16)
	for i := from; i < to; i++ {
		g.Go(func() error { return act(i) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

// postComment posts text on video as token and returns the comment as the answer shows it.
// It is safe for goroutines.
func (s *server) postComment(token string, video int64, text string) (json.RawMessage, error) {
	body, err := favSend(s, http.MethodPost, commentActionPath, url.Values{
		"token": {token}, "video_id": {itoa(video)}, "action_type": {"1"}, "comment_text": {text},
	})
	if err != nil {
		return nil, err
	}
	var answer struct {
		StatusCode int             `json:"status_code"`
		Comment    json.RawMessage `json:"comment"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.StatusCode != 0 {
		return nil, fmt.Errorf("post comment: %v: %.300s", err, body)
	}
	return answer.Comment, nil
}

// sendMessage sends text from one user to another and checks the answer. It is safe for
// goroutines.
func (s *server) sendMessage(from, to *person, text string) error {
	body, err := favSend(s, http.MethodPost, messageActionPath, url.Values{
		"token": {from.token}, "to_user_id": {itoa(to.id)}, "action_type": {"1"}, "content": {text},
	})
	if err == nil && string(body) != statusJSON(0, "") {
		err = fmt.Errorf("send from %d to %d: %.300s", from.id, to.id, body)
	}
	return err
}

// commentList returns the comment list of video as token sees it, after checking it answered
// status_code 0 with every key present, and nothing else.
func (s *server) commentList(t *testing.T, token string, video int64) []json.RawMessage {
	t.Helper()
	q := url.Values{"video_id": {itoa(video)}}
	if token != "" {
		q.Set("token", token)
	}
	body := s.get(t, commentListPath, q)
	var answer struct {
		CommentList []json.RawMessage `json:"comment_list"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatalf("comment list: %v: %.300s", err, body)
	}
	assertJSON(t, body, `{"status_code":0,"status_msg":"","comment_list":[`+joinRaw(answer.CommentList)+`]}`)
	return answer.CommentList
}

func joinRaw(items []json.RawMessage) string {
	parts := make([]string, len(items))
	for i, item := range items {
		parts[i] = string(item)
	}
	return strings.Join(parts, ",")
}

// commentID reads the id of a comment object.
func commentID(t *testing.T, comment json.RawMessage) int64 {
	t.Helper()
	var c struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(comment, &c); err != nil || c.ID <= 0 {
		t.Fatalf("comment without an id (%v): %.300s", err, comment)
	}
	return c.ID
}

// newPerson registers name and returns them as a person nobody follows.
func (s *server) newPerson(t *testing.T, name string) *person {
	t.Helper()
	id, token := s.register(t, name)
	return &person{id: id, name: name, token: token}
}

// publishClips publishes n one-second clips as author and returns them newest first, as the
// feed shows them.
func (s *server) publishClips(t *testing.T, m mediaTools, author *person, n int) []publishedVideo {
	t.Helper()
	clip := m.clip(t, "clip.mp4", 64, 48)
	var g errgroup.Group
	g.SetLimit(2) // the uploads one client may send at once
	for i := range n {
		g.Go(func() error {
			req, err := s.publishRequest(publishPath, nil, appUpload("clip.mp4", clip, author.token, fmt.Sprintf("clip %d", i))...)
			if err != nil {
				return err
			}
			body, err := send(req)
			if err == nil && string(body) != publishedJSON {
				err = fmt.Errorf("publish: %s", body)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	vs := slices.DeleteFunc(s.videos(t, parseVideoPage(t, s.get(t, "/douyin/feed/", nil))),
		func(v publishedVideo) bool { return v.authorID != author.id })
	if len(vs) != n {
		t.Fatalf("the feed shows %d videos of %s; want the %d published", len(vs), author.name, n)
	}
	return vs
}

// TestCommentFloodSmall: one account posts 40 comments of 500 emoji, twice what a 64 KiB
// answer between the apps carries; with lists.max_items 20 the list answers everyone the 20
// newest, newest first, exactly as the posts returned them.
func TestCommentFloodSmall(t *testing.T) {
	t.Parallel()
	const maxItems, maxMessageBytes, posts = 20, 65536, 40
	checkFloodSize(t, posts, maxItems, maxCommentChars*bytesPerChar, maxMessageBytes)
	m := needMediaTools(t)
	s := startServer(t, t.TempDir(), unthrottled,
		fmt.Sprintf("DOUYIN_LISTS_MAX_ITEMS=%d", maxItems), fmt.Sprintf("DOUYIN_SERVICES_MAX_MESSAGE_BYTES=%d", maxMessageBytes))
	author, mallory, reader := s.newPerson(t, "author"), s.newPerson(t, "mallory"), s.newPerson(t, "reader")
	video := s.publishClips(t, m, author, 1)[0].id

	// One after another, so that the order of the list is known.
	posted := make([]json.RawMessage, posts)
	for i := range posts {
		before := time.Now()
		c, err := s.postComment(mallory.token, video, emojiText(i, maxCommentChars))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// The shape of one entry, key by key; the list must show every entry as its post did.
			var date struct {
				CreateDate string `json:"create_date"`
			}
			if err := json.Unmarshal(c, &date); err != nil || (date.CreateDate != before.Format("01-02") && date.CreateDate != time.Now().Format("01-02")) {
				t.Fatalf("comment %s: create_date is not today's MM-DD (%v)", c, err)
			}
			want := fmt.Sprintf(`{"id":%d,"user":%s,"content":%s,"create_date":%s}`,
				commentID(t, c), s.authorJSON(mallory.id, mallory.name, 0), quote(emojiText(0, maxCommentChars)), quote(date.CreateDate))
			assertJSON(t, c, want)
		}
		posted[i] = c
	}
	newest := slices.Clone(posted[posts-maxItems:])
	slices.Reverse(newest)
	// Nobody follows mallory, so everyone, anonymous or not, sees the same answer.
	for _, token := range []string{mallory.token, reader.token, ""} {
		if got := s.commentList(t, token, video); joinRaw(got) != joinRaw(newest) {
			t.Fatalf("comment list: %d comments, ids %v; want the %d newest, newest first, as posted", len(got), commentIDs(t, got), maxItems)
		}
	}
}

// commentIDs reads the ids of comment objects.
func commentIDs(t *testing.T, comments []json.RawMessage) []int64 {
	t.Helper()
	out := make([]int64, len(comments))
	for i, c := range comments {
		out[i] = commentID(t, c)
	}
	return out
}

// TestChatFloodSmall: one account writes 45 messages of 1,000 emoji to someone who never
// followed it back; with lists.max_items 20 opening the chat answers the 20 newest, oldest
// first, and a client that had seen only the first message catches up over its next polls, 20
// at a time, without skipping or repeating one. (20 such messages are 80,000 bytes: this server
// allows 128 KiB between its apps, where the comment flood's 64 KiB could not carry them.)
func TestChatFloodSmall(t *testing.T) {
	t.Parallel()
	const maxItems, maxMessageBytes, flooded = 20, 131072, 45
	checkFloodSize(t, flooded, maxItems, maxMessageChars*bytesPerChar, maxMessageBytes)
	s := startServer(t, t.TempDir(), unthrottled,
		fmt.Sprintf("DOUYIN_LISTS_MAX_ITEMS=%d", maxItems), fmt.Sprintf("DOUYIN_SERVICES_MAX_MESSAGE_BYTES=%d", maxMessageBytes))
	mallory, victim := s.newPerson(t, "mallory"), s.newPerson(t, "victim")

	if err := s.sendMessage(mallory, victim, emojiText(0, maxMessageChars)); err != nil {
		t.Fatal(err)
	}
	shown := s.chat(t, victim, mallory, 0)
	if len(shown) != 1 {
		t.Fatalf("the victim's chat shows %d messages; want the first", len(shown))
	}
	seen := shown[0].CreateTime
	var want []string // what mallory sent after the first, in order
	for i := 1; i <= flooded; i++ {
		want = append(want, emojiText(i, maxMessageChars))
		if err := s.sendMessage(mallory, victim, want[len(want)-1]); err != nil {
			t.Fatal(err)
		}
		if i == 10 { // the victim answers mid-flood: never part of their own polls
			if err := s.sendMessage(victim, mallory, "stop it"); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("opening the chat: the newest, oldest first", func(t *testing.T) {
		for _, side := range [][2]*person{{victim, mallory}, {mallory, victim}} {
			got := s.chat(t, side[0], side[1], 0)
			var contents []string
			for _, msg := range got {
				contents = append(contents, msg.Content)
			}
			if !slices.Equal(contents, want[flooded-maxItems:]) {
				t.Fatalf("%s's chat: %d messages; want the %d newest, oldest first", side[0].name, len(got), maxItems)
			}
		}
	})

	t.Run("polls catch up without skipping or repeating", func(t *testing.T) {
		var got []string
		var pages []int
		for after := seen; ; {
			page := s.chat(t, victim, mallory, after)
			pages = append(pages, len(page))
			if len(page) == 0 {
				break
			}
			for _, msg := range page {
				got = append(got, msg.Content)
			}
			after = page[len(page)-1].CreateTime
		}
		if !slices.Equal(got, want) || !slices.Equal(pages, []int{20, 20, 5, 0}) {
			t.Fatalf("polls returned pages of %v, %d messages; want pages of [20 20 5 0]: all %d of mallory's, in order, once each",
				pages, len(got), flooded)
		}
	})
}

// TestFloodsAtDefaultSettings: the attacks as reported, which broke answers of gRPC's
// default 4 MiB, at the default settings. 2,100 comments of 500 emoji on a video: the comment
// list answers the 1,000 newest; 1,100 messages of 1,000 emoji between two users: the chat
// answers the 1,000 newest, oldest first; both status_code 0, for everyone.
func TestFloodsAtDefaultSettings(t *testing.T) {
	t.Parallel()
	const grpcDefaultMaxMessageBytes = 4 << 20
	m := needMediaTools(t)
	s := startServer(t, t.TempDir(), unthrottled)
	author, mallory, reader := s.newPerson(t, "author"), s.newPerson(t, "mallory"), s.newPerson(t, "reader")
	video := s.publishClips(t, m, author, 1)[0].id

	t.Run("2,100 comments of 500 emoji", func(t *testing.T) {
		t.Parallel()
		const posts = 2100
		checkFloodSize(t, posts, defaultMaxItems, maxCommentChars*bytesPerChar, grpcDefaultMaxMessageBytes)
		// The older ones first, then the newest 1,000: which comments the list shows is then
		// known however the posts of each part interleave.
		var mu sync.Mutex
		newest := map[int64]bool{}
		post := func(i int) error {
			c, err := s.postComment(mallory.token, video, emojiText(i, maxCommentChars))
			if err != nil || i < posts-defaultMaxItems {
				return err
			}
			var posted struct {
				ID int64 `json:"id"`
			}
			err = json.Unmarshal(c, &posted)
			mu.Lock()
			defer mu.Unlock()
			newest[posted.ID] = true
			return err
		}
		flood(t, 0, posts-defaultMaxItems, post)
		flood(t, posts-defaultMaxItems, posts, post)
		for _, token := range []string{reader.token, ""} {
			got := commentIDs(t, s.commentList(t, token, video))
			distinct := map[int64]bool{}
			for _, id := range got {
				if !newest[id] || distinct[id] {
					t.Fatalf("the comment list holds comment %d: not one of the 1,000 newest, or twice", id)
				}
				distinct[id] = true
			}
			if len(got) != defaultMaxItems {
				t.Fatalf("the comment list holds %d comments; want the %d newest", len(got), defaultMaxItems)
			}
		}
	})

	t.Run("1,100 messages of 1,000 emoji", func(t *testing.T) {
		t.Parallel()
		const sent = 1100
		checkFloodSize(t, sent, defaultMaxItems, maxMessageChars*bytesPerChar, grpcDefaultMaxMessageBytes)
		ann, ben := s.newPerson(t, "ann"), s.newPerson(t, "ben")
		// Both write, the older ones first, then the newest 1,000: every one of those is newer
		// than every older one, since a conversation's times grow in the order sends commit.
		send := func(i int) error {
			if i%2 == 0 {
				return s.sendMessage(ann, ben, emojiText(i, maxMessageChars))
			}
			return s.sendMessage(ben, ann, emojiText(i, maxMessageChars))
		}
		flood(t, 0, sent-defaultMaxItems, send)
		flood(t, sent-defaultMaxItems, sent, send)
		var want []string
		for i := sent - defaultMaxItems; i < sent; i++ {
			want = append(want, emojiText(i, maxMessageChars))
		}
		slices.Sort(want)
		for _, side := range [][2]*person{{ann, ben}, {ben, ann}} {
			got := s.chat(t, side[0], side[1], 0) // oldest first: checked there
			contents := make([]string, len(got))
			for i, msg := range got {
				contents[i] = msg.Content
			}
			slices.Sort(contents)
			if !slices.Equal(contents, want) {
				t.Fatalf("%s's chat holds %d messages; want the %d newest", side[0].name, len(got), defaultMaxItems)
			}
		}
	})
}

// TestListsAreBounded: with lists.max_items 5 the follow, follower and friend lists, a user's
// videos and their likes each answer the 5 newest of 6 or more, exactly as the app reads them.
func TestListsAreBounded(t *testing.T) {
	t.Parallel()
	const maxItems, n = 5, 6
	m := needMediaTools(t)
	s := startServer(t, t.TempDir(), unthrottled, fmt.Sprintf("DOUYIN_LISTS_MAX_ITEMS=%d", maxItems))

	t.Run("follows, followers, friends", func(t *testing.T) {
		t.Parallel()
		star := s.newPerson(t, "star")
		fans := make([]*person, n)
		for i := range fans {
			fans[i] = s.newPerson(t, fmt.Sprintf("fan%d", i))
		}
		follow := func(who, whom *person) {
			t.Helper()
			assertJSON(t, s.post(t, relationActionPath, followAction(who.token, whom.id, true)), statusJSON(0, ""))
			who.followCount++
			whom.followerCnt++
			time.Sleep(2 * time.Millisecond) // lists are ordered by the millisecond of each follow
		}
		for _, fan := range fans {
			follow(fan, star)
		}
		for _, fan := range fans { // each follow back makes a friend: the newest friendship last
			follow(star, fan)
		}
		newestFans := slices.Clone(fans[n-maxItems:])
		slices.Reverse(newestFans)
		list := func(item func(*person) string) string {
			items := make([]string, len(newestFans))
			for i, fan := range newestFans {
				items[i] = item(fan)
			}
			return userListJSON(items...)
		}
		mine := url.Values{"token": {star.token}}
		assertJSON(t, s.get(t, followListPath, mine), list(func(p *person) string { return s.userObject(p, true) }))
		assertJSON(t, s.get(t, followerListPath, mine), list(func(p *person) string { return s.userObject(p, true) }))
		assertJSON(t, s.get(t, friendListPath, mine), list(func(p *person) string { return s.friendObject(p, "", 0) }))
		// Seen by a fan who follows none of the others.
		theirs := url.Values{"token": {fans[0].token}, "user_id": {itoa(star.id)}}
		assertJSON(t, s.get(t, followerListPath, theirs), list(func(p *person) string { return s.userObject(p, false) }))
	})

	t.Run("a user's videos and likes", func(t *testing.T) {
		t.Parallel()
		creator, liker := s.newPerson(t, "creator"), s.newPerson(t, "liker")
		model := &likeModel{s: s, videos: s.publishClips(t, m, creator, n),
			names: map[int64]string{creator.id: creator.name}, likes: map[int64][]int64{}}
		assertJSON(t, s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(creator.id)}}),
			publishListJSON(model.videoList(model.videos[:maxItems], 0)))
		// Liked oldest video first: the most recent like is the newest video.
		for i := n - 1; i >= 0; i-- {
			assertJSON(t, s.post(t, favActionPath, favAction(liker.token, model.videos[i].id, true)), favOK)
			model.set(liker.id, model.videos[i].id, true)
			time.Sleep(2 * time.Millisecond) // the list is ordered by the millisecond of each like
		}
		liked := make([]publishedVideo, maxItems)
		for i, id := range model.likes[liker.id][:maxItems] {
			liked[i] = model.video(id)
		}
		assertJSON(t, s.get(t, favListPath, url.Values{"token": {liker.token}, "user_id": {itoa(liker.id)}}),
			publishListJSON(model.videoList(liked, liker.id)))
	})
}

// TestMessagingAnyone: by default any user may message any other existing user, but not
// themselves or nobody; message.friends_only brings back the rule that only friends may.
func TestMessagingAnyone(t *testing.T) {
	t.Parallel()
	refusals := func(t *testing.T, s *server, ann *person) {
		t.Helper()
		assertJSON(t, s.send(t, ann, ann, "me"), statusJSON(400, "you cannot message yourself"))
		assertJSON(t, s.send(t, ann, &person{id: 999999}, "anyone?"), statusJSON(404, "user not found"))
	}

	t.Run("by default", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, t.TempDir(), unthrottled)
		ann, ben := s.newPerson(t, "ann"), s.newPerson(t, "ben")
		assertJSON(t, s.send(t, ann, ben, "hi, we have never met"), statusJSON(0, ""))
		assertJSON(t, s.send(t, ben, ann, "hello"), statusJSON(0, ""))
		refusals(t, s, ann)
		got := s.chat(t, ben, ann, 0)
		if len(got) != 2 || got[0].Content != "hi, we have never met" || got[1].Content != "hello" {
			t.Fatalf("ben's chat with ann: %+v; want both messages, and nothing refused", got)
		}
	})

	t.Run("friends only", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, t.TempDir(), unthrottled, "DOUYIN_MESSAGE_FRIENDS_ONLY=true")
		ann, ben := s.newPerson(t, "ann"), s.newPerson(t, "ben")
		assertJSON(t, s.send(t, ann, ben, "hi"), statusJSON(403, "you can only message friends: follow each other first"))
		refusals(t, s, ann)
		for _, f := range [][2]*person{{ann, ben}, {ben, ann}} {
			assertJSON(t, s.post(t, relationActionPath, followAction(f[0].token, f[1].id, true)), statusJSON(0, ""))
		}
		assertJSON(t, s.send(t, ann, ben, "hi, friend"), statusJSON(0, ""))
		if got := s.chat(t, ben, ann, 0); len(got) != 1 || got[0].Content != "hi, friend" {
			t.Fatalf("ben's chat with ann: %+v; want only the message sent as friends", got)
		}
	})
}
