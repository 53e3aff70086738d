// Package byid puts what a batch lookup found back in the order it was asked for: a store
// answers "these ids" in its own order and leaves out what it does not have, while a page must
// keep the order its ids came in.
package byid

// Index maps each item to its id; of items with one id, the last wins.
func Index[T any](items []T, id func(T) int64) map[int64]T {
	out := make(map[int64]T, len(items))
	for _, item := range items {
		out[id(item)] = item
	}
	return out
}

// InOrder returns the items of byID for ids, in the order of ids; an id with no item is left
// out, and an id asked twice is answered twice.
func InOrder[T any](ids []int64, byID map[int64]T) []T {
	out := make([]T, 0, min(len(ids), len(byID)))
	for _, id := range ids {
		if item, ok := byID[id]; ok {
			out = append(out, item)
		}
	}
	return out
}

// Distinct returns the ids a batch lookup asks for: each id of ids once, in the order it first
// comes, leaving out those that name nothing (0 and below). ids is not changed.
func Distinct(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Order returns found in the order of ids (Index, then InOrder).
func Order[T any](ids []int64, found []T, id func(T) int64) []T {
	return InOrder(ids, Index(found, id))
}
