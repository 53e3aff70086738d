package biz

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// batchLimited refuses calls of more than maxBatch ids, as the domain apps do, and counts them.
type batchLimited struct{ calls int }

func (b *batchLimited) check(ids []int64) error {
	b.calls++
	if len(ids) > maxBatch {
		return fmt.Errorf("at most %d ids at once, got %d", maxBatch, len(ids))
	}
	return nil
}

type limitedVideos struct {
	*fakeVideos
	batchLimited
}

func (v *limitedVideos) GetVideos(ctx context.Context, ids []int64) ([]*Video, error) {
	if err := v.check(ids); err != nil {
		return nil, err
	}
	return v.fakeVideos.GetVideos(ctx, ids)
}

type limitedFavorites struct {
	fakeFavorites
	batchLimited
}

func (f *limitedFavorites) FavoritedAmong(ctx context.Context, user int64, ids []int64) (map[int64]bool, error) {
	if err := f.check(ids); err != nil {
		return nil, err
	}
	favorited, err := f.fakeFavorites.FavoritedAmong(ctx, user, ids)
	for id := range favorited {
		if !slices.Contains(ids, id) {
			delete(favorited, id) // only what was asked, as the interaction app answers
		}
	}
	return favorited, err
}

type limitedLatest struct {
	fakeLatest
	batchLimited
}

func (l *limitedLatest) Latest(ctx context.Context, user int64, peers []int64) (map[int64]*Message, error) {
	if err := l.check(peers); err != nil {
		return nil, err
	}
	return l.fakeLatest.Latest(ctx, user, peers)
}

// A list may hold more ids than one call to a domain app carries (lists.max_items is 1,000,
// a batch 500): it is looked up in several calls, and nothing is lost or reordered.
func TestLongListsTakeSeveralCalls(t *testing.T) {
	const n = 1234 // three batches
	ctx := context.Background()

	t.Run("favorite list", func(t *testing.T) {
		users := fakeUsers{users: map[int64]*User{1: {ID: 1}, 2: {ID: 2, Name: "author"}}}
		videos := &limitedVideos{fakeVideos: &fakeVideos{}}
		favorites := &limitedFavorites{fakeFavorites: fakeFavorites{}}
		var want []int64 // most recently favorited first
		for id := int64(1); id <= n; id++ {
			videos.videos = append(videos.videos, &Video{ID: id, AuthorID: 2})
			favorites.fakeFavorites[1] = append(favorites.fakeFavorites[1], id)
			want = append([]int64{id}, want...)
		}
		uc := NewVideoUsecase(videos, NewUserJoiner(users, fakeFollows{}, quiet), favorites, unthrottled, quiet)
		list, err := uc.FavoriteList(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int64, len(list))
		for i, v := range list {
			got[i] = v.ID
			if !v.IsFavorite || v.Author.Name != "author" {
				t.Fatalf("video %d: is_favorite %v, author %+v; want favorited, by the author", v.ID, v.IsFavorite, v.Author)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("FavoriteList = %d videos; want all %d, most recently favorited first", len(got), n)
		}
		if videos.calls != 3 || favorites.calls != 3 {
			t.Fatalf("%d GetVideos and %d FavoritedAmong calls; want 3 of each", videos.calls, favorites.calls)
		}
	})

	t.Run("friend list", func(t *testing.T) {
		users := fakeUsers{users: map[int64]*User{1: {ID: 1}}}
		follows := fakeFollows{}
		for id := int64(2); id < n+2; id++ {
			users.users[id] = &User{ID: id}
			follows[1] = append(follows[1], id)
			follows[id] = []int64{1}
		}
		latest := &limitedLatest{fakeLatest: fakeLatest{3: {Content: "first batch"}, 1200: {Content: "third batch"}}}
		uc := NewRelationUsecase(&fakeRelations{fakeFollows: follows}, NewUserJoiner(users, follows, quiet), latest, unthrottled)
		friends, err := uc.FriendList(ctx, 1, 0)
		if err != nil || len(friends) != n {
			t.Fatalf("FriendList = %d friends, %v; want %d", len(friends), err, n)
		}
		for _, f := range friends {
			got, want := "", ""
			if f.Latest != nil {
				got = f.Latest.Content
			}
			if m := latest.fakeLatest[f.ID]; m != nil {
				want = m.Content
			}
			if got != want {
				t.Fatalf("friend %d: latest message %q; want %q", f.ID, got, want)
			}
		}
		if latest.calls != 3 {
			t.Fatalf("%d Latest calls; want 3", latest.calls)
		}
	})
}
