// Package edges stores facts of the shape "owner has member" between two ids (a user favorited
// a video, a user follows another) with the event of each change, and answers the question
// every page asks of them: which of these ids does owner have an edge to. Favorites and follows
// are both such facts; this package is what they share, so each app keeps only its table and
// its rules (decide, in biz).
package edges

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/setcache"
)

// Table names a table of edges, keyed by the pair (Owner, Member), whose created_at column (epoch
// ms) orders its lists.
type Table struct {
	Name string
	// Owner and Member are the columns of the edge's two ends; the primary key starts with Owner.
	Owner, Member string
	// LookUpByPrimaryKey makes MySQL answer Among by the primary key. Left to itself MariaDB may
	// read every edge of the owner through an index on Owner alone and filter them: an owner of
	// thousands of edges costs thousands of rows per page instead of 30.
	LookUpByPrimaryKey bool
}

// The in-process cache of each owner's whole set (kafka.in_process): every page that shows
// videos or users asks Among.
const (
	cachedOwners = 10_000
	// MaxCachedEdges keeps an owner with edges to everything from filling memory: Among asks
	// the database about such an owner.
	MaxCachedEdges = 5_000
)

// Store keeps the edges of one table.
type Store struct {
	db    *gorm.DB
	relay *event.Relay
	route event.Router
	table Table
	// lookupFrom is the table Among's query reads, with its index hint if any.
	lookupFrom string
	// held is nil unless this process makes every change (see setcache).
	held *setcache.Cache
}

// New returns the store of table in db, whose events relay publishes on route. inProcess
// (kafka.in_process) says this process makes every change, so Among may answer from memory.
func New(db *gorm.DB, relay *event.Relay, route event.Router, table Table, inProcess bool) *Store {
	s := &Store{db: db, relay: relay, route: route, table: table, lookupFrom: table.Name}
	if table.LookUpByPrimaryKey && database.IsMySQL(db) {
		s.lookupFrom += " USE INDEX (PRIMARY)"
	}
	if inProcess {
		s.held = setcache.New(cachedOwners, MaxCachedEdges)
	}
	return s
}

// Set stores whether the edge owner → member holds as decide says, with the event decide
// returns, as event.Relay.SetFact does; row is the table's gorm model of that edge, inserted
// when it comes to hold. It returns the event's id, or "" when nothing changed.
func (s *Store) Set(ctx context.Context, row any, owner, member int64, decide func(holds bool) (bool, proto.Message)) (string, error) {
	fact := event.Fact{Row: row, Key: map[string]any{s.table.Owner: owner, s.table.Member: member}}
	eventID, err := s.relay.SetFact(ctx, fact, s.route, decide)
	// A change drops the owner's cached set; so does an error, as its commit may have
	// happened with the answer lost (see event.Relay.Commit).
	if s.held != nil && (eventID != "" || err != nil) {
		s.held.Changed(owner)
	}
	if err != nil {
		return "", fmt.Errorf("set %s %d → %d: %w", s.table.Name, owner, member, err)
	}
	return eventID, nil
}

// Forget drops the in-process sets of owners whose edges were changed in a transaction of the
// caller's, not through Set (a take-down removing every edge to a member). Call it after that
// transaction, committed or not: like Set's after an error, a lost answer may hide a commit.
func (s *Store) Forget(owners ...int64) {
	if s.held == nil {
		return
	}
	for _, owner := range owners {
		s.held.Changed(owner)
	}
}

// Newest returns the members of owner's newest edges, newest first, at most limit.
func (s *Store) Newest(ctx context.Context, owner int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Table(s.table.Name).Where(s.table.Owner+" = ?", owner).
		Order("created_at DESC").Order(s.table.Member+" DESC").Limit(limit).Pluck(s.table.Member, &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list %s of %d: %w", s.table.Name, owner, err)
	}
	return ids, nil
}

// Among returns which of ids owner has an edge to.
func (s *Store) Among(ctx context.Context, owner int64, ids []int64) ([]int64, error) {
	query := func() ([]int64, error) { return s.lookUp(ctx, owner, ids) }
	if s.held == nil {
		return query()
	}
	loadAll := func(limit int) ([]int64, error) {
		var all []int64
		err := s.db.WithContext(ctx).Table(s.table.Name).Where(s.table.Owner+" = ?", owner).
			Limit(limit).Pluck(s.table.Member, &all).Error
		if err != nil {
			return nil, fmt.Errorf("load all %s of %d: %w", s.table.Name, owner, err)
		}
		return all, nil
	}
	return s.held.Among(owner, ids, loadAll, query)
}

func (s *Store) lookUp(ctx context.Context, owner int64, ids []int64) ([]int64, error) {
	var out []int64
	err := s.db.WithContext(ctx).Table(s.lookupFrom).
		Where(s.table.Owner+" = ? AND "+s.table.Member+" IN ?", owner, ids).Pluck(s.table.Member, &out).Error
	if err != nil {
		return nil, fmt.Errorf("check %s of %d: %w", s.table.Name, owner, err)
	}
	return out, nil
}
