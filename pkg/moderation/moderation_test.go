package moderation

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustNew(t testing.TB, words ...string) *Blocklist {
	t.Helper()
	b, err := New(words)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBlocks(t *testing.T) {
	t.Parallel()
	b := mustNew(t, "spam", "ass", "straße", "bad  word", "垃圾", "死ね", "바보", "88", "δόλος", "мошенник", "QQ号")
	for _, tt := range []struct {
		text string
		want bool
	}{
		// Case, folded in full, across scripts.
		{"spam", true},
		{"SPAM", true},
		{"Buy SpAm now", true},
		{"STRASSE", true},     // ß folds to ss
		{"die Strasse", true}, // and the other way round
		{"ΔΌΛΟΣ", true},
		{"ΔΌΛΟΣ!", true},
		{"МОШЕННИК", true},
		// Width and compatibility forms (NFKC).
		{"ＳＰＡＭ", true},
		{"ｓｐａｍ", true},
		{"Ｓｐａｍ!", true},
		{"ｑｑ号码", true},
		{"ℌ", false},
		// Invisible characters and spacing.
		{"sp\u200bam", true},
		{"sp\u00adam", true},
		{"BAD\tWord", true},
		{"bad \n  word", true},
		{"badword", false},
		// Whole words in scripts written with spaces.
		{"class", false},
		{"assistant", false},
		{"passage", false},
		{"ass", true},
		{"you ass!", true},
		{"ass_hat", true},
		{"l'ass", true},
		{"spammer", false},
		{"spam2024", true}, // digits end a word of letters
		{"1988", false},    // but not a number
		{"call 88 now", true},
		{"a88b", true},
		{"这是spam吗", true}, // Han beside a Latin word is a boundary
		// Anywhere in scripts written without spaces.
		{"这是垃圾广告", true},
		{"垃圾", true},
		{"拉圾", false},
		{"お前は死ねと言った", true},
		{"바보야", true},
		{"nothing to see here", false},
		{"", false},
	} {
		if got := b.Blocks(tt.text); got != tt.want {
			t.Errorf("Blocks(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// A word written in a compatibility form, or in capitals, blocks every form of it.
func TestWordsAreFoldedToo(t *testing.T) {
	t.Parallel()
	b := mustNew(t, "ＳＰＡＭ", "  Eggs  ", "ﬁsh")
	for _, text := range []string{"spam", "EGGS", "fish", "FISH"} {
		if !b.Blocks(text) {
			t.Errorf("Blocks(%q) = false", text)
		}
	}
	if b.Len() != 3 {
		t.Errorf("Len = %d, want 3", b.Len())
	}
	if n := mustNew(t, "spam", "SPAM", "ｓｐａｍ").Len(); n != 1 {
		t.Errorf("three forms of one word: Len = %d, want 1", n)
	}
}

// One match that fails its boundaries must not hide an overlapping one that keeps them.
func TestOverlappingMatches(t *testing.T) {
	t.Parallel()
	b := mustNew(t, "ab c", "ab")
	if !b.Blocks("ab cd") { // "ab c" is followed by a letter; "ab" is not
		t.Error(`Blocks("ab cd") = false`)
	}
	b = mustNew(t, "lass", "class act")
	if b.Blocks("classy") || !b.Blocks("a class act") {
		t.Error("overlapping words were not each judged on their own boundaries")
	}
}

func TestEmptyListBlocksNothing(t *testing.T) { // not parallel: AllocsPerRun
	for _, words := range [][]string{nil, {}, {"", "   ", "\u200b", "\t"}} {
		b := mustNew(t, words...)
		if b.Len() != 0 || b.Blocks("anything at all") || b.Blocks("") {
			t.Errorf("New(%q) blocks something", words)
		}
	}
	var nilList *Blocklist
	if nilList.Blocks("spam") || nilList.Len() != 0 {
		t.Error("a nil Blocklist blocks something")
	}
	b := mustNew(t)
	if allocs := testing.AllocsPerRun(100, func() { b.Blocks("Ｆｕｌｌ-width text, 中文 too") }); allocs != 0 {
		t.Errorf("an empty list costs %v allocations per check; want none", allocs)
	}
}

func TestReadWords(t *testing.T) {
	t.Parallel()
	got, err := ReadWords(strings.NewReader("\uFEFF# blocked words\nspam\n\n  bad word  \n   # indented comment\n垃圾\r\nlast"))
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(got, "|"); s != "spam|bad word|垃圾|last" {
		t.Errorf("ReadWords = %q", s)
	}
	if _, err := ReadWords(strings.NewReader("ok\nbad \xff\n")); err == nil || err.Error() != "line 2 is not valid UTF-8" {
		t.Errorf("ReadWords of a Latin-1 line: %v", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "blocked.txt")
	if err := os.WriteFile(file, []byte("# from the file\n垃圾\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	words := []string{"spam"}
	b, err := Load(words, file)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Blocks("spam") || !b.Blocks("垃圾") || b.Len() != 2 {
		t.Errorf("Load: the words of the list and of the file do not both block (Len %d)", b.Len())
	}
	if len(words) != 1 {
		t.Errorf("Load changed its argument: %q", words)
	}
	missing := filepath.Join(t.TempDir(), "nope.txt")
	if _, err := Load(nil, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load of a missing file = %v; want an error naming %s", err, missing)
	}
	if b, err := Load(nil, ""); err != nil || b.Len() != 0 {
		t.Errorf("Load of nothing = %v, %v", b, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := mustNew(t, "spam", "垃圾")
	done := make(chan bool)
	for i := range 8 {
		go func() {
			ok := true
			for j := range 200 {
				text := fmt.Sprintf("message %d of %d: ＳＰＡＭ 垃圾", j, i)
				ok = ok && b.Blocks(text) && !b.Blocks("fine "+text[:7])
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent check went wrong")
		}
	}
}

// BenchmarkBlocks checks a 200-character comment, mostly Chinese, against 10,000 words.
func BenchmarkBlocks(b *testing.B) {
	words := make([]string, 10000)
	for i := range words {
		words[i] = string([]rune{rune(0x4E00 + i%2000), rune(0x4E00 + (i*7)%5000), rune(0x5000 + i%3000)})
	}
	words = append(words, "spam")
	bl := mustNew(b, words...)
	text := strings.Repeat("今天天气很好，我们去公园散步吧。", 12) + " Nothing here"
	b.ReportAllocs()
	for b.Loop() {
		if bl.Blocks(text) {
			b.Fatal("blocked")
		}
	}
}

// The apps of one process that load the same list share its automaton.
func TestSameListIsShared(t *testing.T) {
	t.Parallel()
	a, b := mustNew(t, "shared", "ＬＩＳＴ"), mustNew(t, "SHARED", "list")
	if a != b {
		t.Error("two loads of one list built two automatons")
	}
	if c := mustNew(t, "shared", "list", "more"); c == a {
		t.Error("a longer list got the shorter one's automaton")
	}
}
