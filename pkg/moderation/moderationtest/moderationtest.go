// Package moderationtest is a stand-in for pkg/moderation's Blocklist in the biz tests of the apps
// that refuse text: those tests are about which fields are checked and what a refusal leaves, not
// about matching.
package moderationtest

import "strings"

// Words is a fake blocklist: it blocks the text that contains one of its words as written.
// Matching as people read is pkg/moderation's, tested there.
type Words []string

// Blocks reports whether text contains one of the words.
func (w Words) Blocks(text string) bool {
	for _, word := range w {
		if strings.Contains(text, word) {
			return true
		}
	}
	return false
}
