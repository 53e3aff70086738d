package allinone_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestFeedWithATokenThatActsForNobody: after ./data was wiped (a new secret, new accounts) the
// phone kept its token, and the feed answered 401 with an empty list until its user logged in
// again, so the app showed nothing. The feed now answers such a token, byte for byte, what it
// answers a request without one; every other endpoint still refuses it as before.
func TestFeedWithATokenThatActsForNobody(t *testing.T) {
	t.Parallel()
	const secret = "a-secret-for-crafting-tokens-0123456789"
	s := startServer(t, t.TempDir(), "DOUYIN_AUTH_TOKEN_SECRET="+secret, "DOUYIN_DEMO")
	videos := s.waitDemoVideos(t)
	aliceID, alice := s.register(t, "alice")
	video := itoa(videos[0].id)
	like := url.Values{"token": {alice}, "video_id": {video}, "action_type": {"1"}}
	assertJSON(t, s.post(t, "/douyin/favorite/action/", like), statusJSON(0, ""))

	// Another data dir's secret: what a phone holds after ./data was wiped.
	other := startServer(t, t.TempDir(), "DOUYIN_DEMO=false")
	_, otherDataDir := other.register(t, "alice")
	other.stop(t)

	now := time.Now().Unix()
	claims := func(sub string, iat, exp int64) string {
		return signJWT(t, secret, fmt.Sprintf(`{"iss":"douyin","sub":%q,"iat":%d,"exp":%d}`, sub, iat, exp))
	}
	tokens := []struct{ name, token string }{
		{"forged signature", alterSignature(alice)},
		{"malformed", "not-a-token"},
		{"another data dir's secret", otherDataDir},
		{"expired", claims(itoa(aliceID), now-3600, now-60)},
		{"user that does not exist", claims("999999", now-60, now+3600)},
		// The demo account (user 1) was made at this start; a token from before names an
		// account of a data set since reset, signed with a secret that was kept.
		{"issued before its account was made", claims("1", now-86400, now+3600)},
	}

	for _, q := range []url.Values{{}, {"latest_time": {itoa(time.Now().Add(time.Hour).UnixMilli())}}} {
		anonymous := s.get(t, "/douyin/feed/", q)
		if !strings.HasPrefix(string(anonymous), `{"status_code":0,"status_msg":"","video_list":[{`) ||
			strings.Contains(string(anonymous), `"is_favorite":true`) || strings.Contains(string(anonymous), `"is_follow":true`) {
			t.Fatalf("anonymous feed %s: want videos, none liked or followed", anonymous)
		}
		// A good token still sees as its user: the like shows.
		good := url.Values{"token": {alice}}
		for k, v := range q {
			good[k] = v
		}
		if body := s.get(t, "/douyin/feed/", good); !strings.Contains(string(body), `"is_favorite":true`) {
			t.Errorf("alice's feed %s does not show her like", body)
		}
		for _, tt := range tokens {
			t.Run(tt.name+"/"+paramNames(q), func(t *testing.T) {
				withToken := url.Values{"token": {tt.token}}
				for k, v := range q {
					withToken[k] = v
				}
				assertJSON(t, s.get(t, "/douyin/feed/", withToken), string(anonymous))
			})
		}
	}

	// Everywhere else the token is refused, with the messages of before.
	for _, tt := range tokens {
		t.Run(tt.name+"/refused elsewhere", func(t *testing.T) {
			assertJSON(t, s.get(t, "/douyin/user/", url.Values{"token": {tt.token}}), userFailureJSON(401, msgBadToken))
			assertJSON(t, s.get(t, "/douyin/user/", url.Values{"token": {tt.token}, "user_id": {itoa(aliceID)}}), userFailureJSON(401, msgBadToken))
			assertJSON(t, s.post(t, "/douyin/favorite/action/", url.Values{"token": {tt.token}, "video_id": {video}, "action_type": {"1"}}),
				statusJSON(401, msgBadToken))
			assertJSON(t, s.get(t, "/douyin/favorite/list/", url.Values{"token": {tt.token}, "user_id": {itoa(aliceID)}}),
				`{"status_code":401,"status_msg":"`+msgBadToken+`","video_list":[]}`)
		})
	}
}
