package setcache

import (
	"errors"
	"slices"
	"testing"
)

// source is an owner's set in the "database", counting the reads each path makes.
type source struct {
	all              []int64
	loads, queries   int
	changeDuringLoad func()
}

func (s *source) loadAll(limit int) ([]int64, error) {
	s.loads++
	if s.changeDuringLoad != nil {
		s.changeDuringLoad()
	}
	return s.all[:min(limit, len(s.all))], nil
}

func (s *source) query(ids []int64) func() ([]int64, error) {
	return func() ([]int64, error) {
		s.queries++
		var out []int64
		for _, id := range ids {
			if slices.Contains(s.all, id) && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out, nil
	}
}

func (s *source) among(c *Cache, owner int64, ids ...int64) []int64 {
	got, err := c.Among(owner, ids, s.loadAll, s.query(ids))
	if err != nil {
		panic(err)
	}
	return got
}

func TestCache(t *testing.T) {
	c := New(10, 3)
	one := &source{all: []int64{2, 3, 4}}

	// A first lookup loads the set and keeps it; the next is answered from memory, each id
	// once, in the order asked.
	if got := one.among(c, 1, 4, 9, 2, 4, 1); !slices.Equal(got, []int64{4, 2}) {
		t.Fatalf("first lookup = %v; want [4 2]", got)
	}
	if got := one.among(c, 1, 3); !slices.Equal(got, []int64{3}) || one.loads != 1 || one.queries != 0 {
		t.Fatalf("second lookup = %v after %d loads, %d queries; want [3] from memory", got, one.loads, one.queries)
	}

	// A change drops the owner's set; others stay.
	two := &source{all: []int64{1}}
	two.among(c, 2, 1)
	c.Changed(1)
	one.all = []int64{5}
	if got := one.among(c, 1, 2, 5); !slices.Equal(got, []int64{5}) || one.loads != 2 {
		t.Fatalf("after a change: %v after %d loads; want [5], reloaded", got, one.loads)
	}
	if got := two.among(c, 2, 1); !slices.Equal(got, []int64{1}) || two.loads != 1 {
		t.Fatalf("another owner after the change: %v after %d loads; want [1] from memory", got, two.loads)
	}

	// A set loaded while a change committed answers that lookup but is not kept.
	three := &source{all: []int64{7}}
	three.changeDuringLoad = func() { c.Changed(3) }
	three.among(c, 3, 7)
	three.changeDuringLoad = nil
	three.among(c, 3, 7)
	if three.loads != 2 {
		t.Fatalf("a set loaded across a change was kept: %d loads; want 2", three.loads)
	}

	// An owner over the cap is loaded once, then asked about by query only, also after changes.
	big := &source{all: []int64{1, 2, 3, 4}}
	for range 3 {
		if got := big.among(c, 4, 4, 8); !slices.Equal(got, []int64{4}) {
			t.Fatalf("owner over the cap: %v; want [4]", got)
		}
		c.Changed(4)
	}
	if big.loads != 1 || big.queries != 3 {
		t.Fatalf("owner over the cap: %d loads, %d queries; want 1 load, then queries", big.loads, big.queries)
	}

	// A failed load is reported and caches nothing.
	failing := func(int) ([]int64, error) { return nil, errors.New("db down") }
	if _, err := c.Among(5, []int64{1}, failing, nil); err == nil {
		t.Fatal("a failed load was not reported")
	}
}
