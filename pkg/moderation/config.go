package moderation

import (
	"fmt"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// FromConfig loads the list bc configures (moderation.blocked_words and
// moderation.blocked_words_file), once, when an app is assembled.
func FromConfig(bc *confv1.Bootstrap) (*Blocklist, error) {
	c := bc.GetModeration()
	b, err := Load(c.GetBlockedWords(), c.GetBlockedWordsFile())
	if err != nil {
		return nil, fmt.Errorf("config moderation.blocked_words_file (DOUYIN_MODERATION_BLOCKED_WORDS_FILE): %w", err)
	}
	return b, nil
}
