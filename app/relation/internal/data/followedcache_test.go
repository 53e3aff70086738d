package data

import (
	"slices"
	"testing"
)

func TestFollowedCache(t *testing.T) {
	c := newFollowedCache()
	if _, state := c.among(1, []int64{2}); state != cacheMiss {
		t.Fatalf("empty cache: state %v; want a miss", state)
	}

	// A set loaded while a change committed is answered from but not kept: it may miss the
	// change.
	epoch := c.begin()
	c.changed(1)
	if got := c.store(1, []int64{2, 3}, epoch); len(got) != 2 {
		t.Fatalf("store returned %v; want the loaded set", got)
	}
	if _, state := c.among(1, []int64{2}); state != cacheMiss {
		t.Fatalf("a set loaded across a change was cached (state %v)", state)
	}

	// A set loaded with no change meanwhile is kept, and answers with each id once, in the
	// order asked.
	c.store(1, []int64{2, 3, 4}, c.begin())
	got, state := c.among(1, []int64{4, 9, 2, 4, 1})
	if state != cacheHit || !slices.Equal(got, []int64{4, 2}) {
		t.Fatalf("among = %v, %v; want [4 2] from the cache", got, state)
	}

	// A change of the viewer drops their set; others' sets stay.
	c.store(2, []int64{1}, c.begin())
	c.changed(1)
	if _, state := c.among(1, []int64{2}); state != cacheMiss {
		t.Fatalf("after a change of viewer 1: state %v; want a miss", state)
	}
	if got, state := c.among(2, []int64{1}); state != cacheHit || !slices.Equal(got, []int64{1}) {
		t.Fatalf("viewer 2 after a change of viewer 1: %v, %v; want [1] from the cache", got, state)
	}

	// A viewer who follows too many is marked, and stays marked through their changes: the
	// mark only sends lookups to the database, which is never wrong.
	c.tooMany(3)
	c.changed(3)
	if _, state := c.among(3, []int64{1}); state != cacheTooMany {
		t.Fatalf("marked viewer: state %v; want too many", state)
	}
}
