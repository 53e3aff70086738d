// Package moderation finds blocked words and phrases in text people write: usernames, titles,
// comments, chat messages. It knows nothing of which text is checked, or what a refusal says:
// those are the apps' rules.
//
// Text and words are compared as people read them, not as bytes:
//
//   - case is folded in full (Unicode case folding: "SPAM", "Spam" and "spam" are one word, and
//     so are "STRASSE" and "straße");
//   - compatibility forms are folded (NFKC): full-width "ＳＰＡＭ", the ligature "ﬁ", circled
//     or superscript letters read as the letters they show;
//   - invisible format characters (zero-width space and joiners, soft hyphen, direction marks,
//     variation selectors) are dropped, so "sp\u200bam" is "spam", and every run of white space
//     reads as one space, so a phrase matches however it is spaced.
//
// A word of a script written with spaces between words (Latin, Cyrillic, Greek, Arabic...) matches
// only as a whole word: at each end that is a letter, the text must not go on with another letter
// (nor, at an end that is a digit, with another digit). So "ass" blocks "ass", "Ass!" and
// "ass_hat" but not "class" or "assistant": that is what someone who lists "ass" means, and the
// other reading (the Scunthorpe problem) refuses ordinary words and names that merely contain a
// listed one, with no way for the writer to see why. A word of a script written without spaces
// (Chinese, Japanese, Thai...; and Korean, whose particles attach to the word) matches anywhere,
// since nothing in the text marks where its words end: "垃圾" blocks "这是垃圾广告". The other
// forms of a Latin word ("spammer", "spamming") are words of their own, to be listed.
//
// Matching is one pass of an Aho-Corasick automaton (github.com/coregx/ahocorasick) over the
// folded text, whatever the number of words; folding uses golang.org/x/text.
package moderation

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"weak"

	"github.com/coregx/ahocorasick"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Blocklist finds blocked words and phrases in text. The zero value and nil block nothing. It is
// safe for concurrent use.
type Blocklist struct {
	ac *ahocorasick.Automaton
	// ends[i] says which ends of word i must fall on a word boundary of the text.
	ends []wordEnds
}

// wordEnds tells, for each end of a word, what the text must not continue with there: noClass
// for an end that may touch anything.
type wordEnds struct{ start, end runeClass }

// runeClass sorts runes for word boundaries.
type runeClass uint8

const (
	noClass runeClass = iota
	// letter is a letter or combining mark of a script written with spaces between words.
	letter
	digit
)

// New returns a Blocklist of words (words or phrases). Words that are empty once folded (blank,
// or only invisible characters) are skipped; none at all blocks nothing, at no cost.
func New(words []string) (*Blocklist, error) {
	var patterns [][]byte
	var ends []wordEnds
	seen := map[string]bool{}
	for _, w := range words {
		f := strings.TrimSpace(fold(w))
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		first, _ := utf8.DecodeRuneInString(f)
		last, _ := utf8.DecodeLastRuneInString(f)
		patterns = append(patterns, []byte(f))
		ends = append(ends, wordEnds{start: classOf(first), end: classOf(last)})
	}
	if len(patterns) == 0 {
		return &Blocklist{}, nil
	}
	// Folded words hold no newline (white space folds to " "), so this names the list exactly.
	key := string(bytes.Join(patterns, []byte("\n")))
	built.Lock()
	defer built.Unlock()
	if b := built.lists[key].Value(); b != nil {
		return b, nil
	}
	ac, err := ahocorasick.NewBuilder().AddPatterns(patterns).Build()
	if err != nil {
		return nil, fmt.Errorf("build the blocked words' automaton: %w", err)
	}
	b := &Blocklist{ac: ac, ends: ends}
	maps.DeleteFunc(built.lists, func(_ string, p weak.Pointer[Blocklist]) bool { return p.Value() == nil })
	built.lists[key] = weak.Make(b)
	return b, nil
}

// built are the lists in use in this process, by their folded words. The apps of the
// all-in-one each load the same configured list; they share one automaton (a long list takes
// tens of MB and a noticeable time to build; the README has the figures) instead of holding
// four. Weak
// pointers: a list no app holds any longer is collected as usual.
var built = struct {
	sync.Mutex
	lists map[string]weak.Pointer[Blocklist]
}{lists: map[string]weak.Pointer[Blocklist]{}}

// Load returns a Blocklist of words and of the words in file (see ReadWords); file "" is none.
// A file that cannot be read is an error naming it: a list its operator configured and does not
// get must not go unnoticed.
func Load(words []string, file string) (*Blocklist, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err // it names the file
		}
		defer f.Close()
		more, err := ReadWords(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		words = append(words[:len(words):len(words)], more...)
	}
	return New(words)
}

// ReadWords reads a list of words: one word or phrase per line, surrounding spaces trimmed;
// blank lines and lines whose first non-space character is "#" are skipped. The text must be
// UTF-8 (a byte-order mark at the start is allowed).
func ReadWords(r io.Reader) ([]string, error) {
	var words []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d is not valid UTF-8", n)
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words = append(words, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errors.New("a line is longer than 1 MiB")
		}
		return nil, err
	}
	return words, nil
}

// Len is the number of distinct words, as folded.
func (b *Blocklist) Len() int {
	if b == nil {
		return 0
	}
	return len(b.ends)
}

// Blocks reports whether text contains a blocked word or phrase.
func (b *Blocklist) Blocks(text string) bool {
	if b == nil || b.ac == nil {
		return false // nothing is blocked: not even the text is looked at
	}
	t := fold(text)
	// Every match, overlapping ones included: one that fails its boundaries ("ass" in "class")
	// must not hide another that keeps them.
	for _, m := range b.ac.FindAllOverlapping([]byte(t)) {
		if e := b.ends[m.PatternID]; boundary(t, m.Start, e.start, true) && boundary(t, m.End, e.end, false) {
			return true
		}
	}
	return false
}

// boundary reports whether the word whose end (start or not) is at byte i of t, with class c
// there, is not continued by the rune beside it.
func boundary(t string, i int, c runeClass, start bool) bool {
	if c == noClass {
		return true
	}
	var r rune
	switch {
	case start && i > 0:
		r, _ = utf8.DecodeLastRuneInString(t[:i])
	case !start && i < len(t):
		r, _ = utf8.DecodeRuneInString(t[i:])
	default:
		return true // the text's own start or end
	}
	return classOf(r) != c
}

func classOf(r rune) runeClass {
	switch {
	case unicode.IsDigit(r):
		return digit
	case (unicode.IsLetter(r) || unicode.IsMark(r)) && !unspaced(r):
		return letter
	}
	return noClass
}

// unspacedScripts are the scripts written without spaces between words, and Hangul, whose
// particles attach to the word before them ("바보" in "바보야"): no end of a word in them
// needs a boundary.
var unspacedScripts = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Bopomofo, unicode.Hangul,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan, unicode.Yi,
}

func unspaced(r rune) bool {
	if r < 0x0E00 { // below Thai: Latin, Greek, Cyrillic, Arabic, Indic...
		return false
	}
	return unicode.In(r, unspacedScripts...)
}

// folder is full Unicode case folding; it is stateless and safe for concurrent use.
var folder = cases.Fold()

// fold returns s as it is compared: compatibility forms and case folded, invisible format
// characters dropped, runs of white space made one space.
func fold(s string) string {
	if !isASCII(s) {
		n := norm.NFKC.String(s)
		// Folding may leave text that is not in normal form; where it changed nothing (most
		// text in caseless scripts) the text is still normal.
		if s = folder.String(n); s != n {
			s = norm.NFKC.String(s)
		}
	}
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r < utf8.RuneSelf:
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r):
			continue
		}
		if unicode.IsSpace(r) {
			if space {
				continue
			}
			space, r = true, ' '
		} else {
			space = false
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
