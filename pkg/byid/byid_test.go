package byid

import (
	"slices"
	"testing"
)

type item struct {
	id   int64
	name string
}

func itemID(i item) int64 { return i.id }

func TestOrderKeepsTheAskedOrderAndLeavesOutWhatWasNotFound(t *testing.T) {
	found := []item{{3, "c"}, {1, "a"}, {2, "b"}}
	for _, tc := range []struct {
		name string
		ids  []int64
		want []item
	}{
		{"asked order, not the store's", []int64{1, 2, 3}, []item{{1, "a"}, {2, "b"}, {3, "c"}}},
		{"reversed", []int64{3, 2, 1}, []item{{3, "c"}, {2, "b"}, {1, "a"}}},
		{"missing ids are left out", []int64{9, 2, 8}, []item{{2, "b"}}},
		{"an id asked twice is answered twice", []int64{1, 1}, []item{{1, "a"}, {1, "a"}}},
		{"nothing asked", nil, []item{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Order(tc.ids, found, itemID); !slices.Equal(got, tc.want) {
				t.Fatalf("Order(%v) = %v, want %v", tc.ids, got, tc.want)
			}
		})
	}
}

func TestIndexKeepsTheLastItemOfAnID(t *testing.T) {
	got := Index([]item{{1, "first"}, {2, "b"}, {1, "last"}}, itemID)
	if len(got) != 2 || got[1].name != "last" || got[2].name != "b" {
		t.Fatalf("Index = %v, want 1:last and 2:b", got)
	}
}

func TestDistinctKeepsEachRealIDOnceInFirstOrder(t *testing.T) {
	ids := []int64{3, 0, 1, 3, -2, 2, 1}
	if got, want := Distinct(ids), []int64{3, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("Distinct(%v) = %v, want %v", ids, got, want)
	}
	if !slices.Equal(ids, []int64{3, 0, 1, 3, -2, 2, 1}) {
		t.Fatalf("Distinct changed its argument: %v", ids)
	}
	if got := Distinct(nil); len(got) != 0 {
		t.Fatalf("Distinct(nil) = %v, want none", got)
	}
}
