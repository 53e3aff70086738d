package allinone_test

// End-to-end tests of moderation: words and phrases listed in DOUYIN_MODERATION_BLOCKED_WORDS and
// in DOUYIN_MODERATION_BLOCKED_WORDS_FILE are refused in a new username, a video title, a comment
// and a chat message, with a status_msg naming the field, and nothing of a refused request is
// stored.

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	msgUsernameBlocked = "the username contains a word that is not allowed here"
	msgTitleBlocked    = "the title contains a word that is not allowed here"
	msgCommentBlocked  = "the comment contains a word that is not allowed here"
	msgMessageBlocked  = "the message contains a word that is not allowed here"
)

// blockedWordsFile writes a list of blocked words in the file format: comments, blank lines,
// one word or phrase per line.
func blockedWordsFile(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "blocked-words.txt")
	content := "# Words nobody may write here.\n\n垃圾\n  bad word  \n# ass is in the variable\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBlockedWords: each of the four fields refuses a blocked word however it is written (case,
// full width, spacing, inside a Chinese sentence), says which field, and stores nothing; words
// that merely contain a blocked Latin word ("class", "Spammer") pass.
func TestBlockedWords(t *testing.T) {
	t.Parallel()
	m := needMediaTools(t)
	dataDir := t.TempDir()
	s := startServer(t, dataDir, unthrottled,
		"DOUYIN_MODERATION_BLOCKED_WORDS=spam, ass", "DOUYIN_MODERATION_BLOCKED_WORDS_FILE="+blockedWordsFile(t))

	t.Run("username", func(t *testing.T) {
		for _, name := range []string{"spam", "ＳＰＡＭ_king", "big ass", "垃圾大王", "Bad  Word"} {
			assertJSON(t, s.post(t, "/douyin/user/register/", creds(name, "pw")), sessionJSON(400, msgUsernameBlocked, 0, ""))
			// Not stored: the name cannot log in, and it is not taken either.
			assertJSON(t, s.post(t, "/douyin/user/login/", creds(name, "pw")), sessionJSON(401, msgWrongCredentials, 0, ""))
		}
		// Names that only contain the letters of a blocked word are no blocked word.
		for _, name := range []string{"classy", "Spammer", "assistant"} {
			s.register(t, name)
		}
	})

	ann, ben := s.newPerson(t, "ann"), s.newPerson(t, "ben")

	t.Run("title", func(t *testing.T) {
		clip := m.clip(t, "clip.mp4", 64, 48)
		assertJSON(t, s.publish(t, nil, appUpload("clip.mp4", clip, ann.token, "sunset")...), publishedJSON)
		list := s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(ann.id)}})
		video := s.newestVideo(t, ann.id)
		assertJSON(t, list, publishListJSON(s.videoListJSON([]publishedVideo{video}, map[int64]int{ann.id: 1})))
		objects := objectFiles(t, dataDir)
		for _, title := range []string{"Ｓｐａｍ offer", "这是垃圾视频", "a BAD   word"} {
			assertJSON(t, s.publish(t, nil, appUpload("clip.mp4", clip, ann.token, title)...), statusJSON(400, msgTitleBlocked))
		}
		assertJSON(t, s.get(t, "/douyin/publish/list/", url.Values{"user_id": {itoa(ann.id)}}), string(list))
		if got := objectFiles(t, dataDir); !slices.Equal(got, objects) {
			t.Errorf("objects after the refused publishes: %v; want only the published video's %v", got, objects)
		}
		waitNoUploadLeftovers(t, dataDir)
	})

	video := s.newestVideo(t, ann.id)

	t.Run("comment", func(t *testing.T) {
		if _, err := s.postComment(ben.token, video.id, "what a class act"); err != nil {
			t.Fatal(err)
		}
		before := s.commentList(t, ben.token, video.id)
		for _, text := range []string{"ＳＰＡＭ", "这是垃圾视频", "bad   word!", "you ass"} {
			assertJSON(t, s.post(t, commentActionPath, url.Values{
				"token": {ben.token}, "video_id": {itoa(video.id)}, "action_type": {"1"}, "comment_text": {text},
			}), `{"status_code":400,"status_msg":"`+msgCommentBlocked+`","comment":{"id":0,"user":`+zeroUser+`,"content":"","create_date":""}}`)
		}
		if after := s.commentList(t, ben.token, video.id); joinRaw(after) != joinRaw(before) {
			t.Errorf("comment list after the refusals:\n%s\nwant it unchanged:\n%s", joinRaw(after), joinRaw(before))
		}
	})

	t.Run("chat message", func(t *testing.T) {
		assertJSON(t, s.send(t, ann, ben, "hi ben, a video for you"), statusJSON(0, ""))
		before := s.chat(t, ben, ann, 0)
		for _, text := range []string{"Spam!", "你是垃圾", "BAD WORD", "ａｓｓ"} {
			assertJSON(t, s.send(t, ann, ben, text), statusJSON(400, msgMessageBlocked))
		}
		if after := s.chat(t, ben, ann, 0); !slices.Equal(after, before) {
			t.Errorf("chat after the refusals: %+v; want it unchanged: %+v", after, before)
		}
	})
}

// TestBlockedWordsFileMissing: a blocked words file that is configured but cannot be read stops
// the start, naming the file and the variable, rather than running without the list.
func TestBlockedWordsFileMissing(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-list.txt")
	stdout, stderr, code := runToExit(t, []string{"DOUYIN_DATA_DIR=" + t.TempDir(), "DOUYIN_HTTP_ADDR=" + freeAddr(t), "DOUYIN_ADMIN_ADDR=" + freeAddr(t),
		"DOUYIN_DEMO=false", "DOUYIN_MODERATION_BLOCKED_WORDS_FILE=" + missing, "PATH=/usr/bin:/bin"})
	if out := stdout + stderr; code == 0 || !strings.Contains(out, missing) || !strings.Contains(out, "DOUYIN_MODERATION_BLOCKED_WORDS_FILE") {
		t.Fatalf("start with a missing blocked words file: exit %d, output %q; want a refusal naming %s and its variable", code, out, missing)
	}
}
