package database

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/setcache"
)

// EdgeTable names a table of edges "owner has member" between two ids, keyed by the pair: a
// user's favorited videos, the users a user follows.
type EdgeTable struct {
	Name string
	// Owner and Member are the columns of the edge's two ends; the primary key starts with Owner.
	Owner, Member string
	// LookUpByPrimaryKey makes MySQL answer "which of these members" by the primary key. Left
	// to itself MariaDB may read every edge of the owner through an index on Owner alone and
	// filter them: an owner of thousands of edges costs thousands of rows per page instead of 30.
	LookUpByPrimaryKey bool
}

// Edges answers "which of these ids does owner have an edge to", asked on every page that shows
// videos or users. It exists so that favorites and follows share one version of that query and
// of its in-process cache, which must drop an owner's set on every change (Changed).
type Edges struct {
	db    *gorm.DB
	table EdgeTable
	// lookupFrom is the table the lookup of asked ids reads, with its index hint if any.
	lookupFrom string
	// held is nil unless this process makes every change (kafka.in_process); see setcache.
	held *setcache.Cache
}

// NewEdges returns the lookups over table in db, cached in held when it is not nil.
func NewEdges(db *gorm.DB, table EdgeTable, held *setcache.Cache) *Edges {
	e := &Edges{db: db, table: table, lookupFrom: table.Name, held: held}
	if table.LookUpByPrimaryKey && IsMySQL(db) {
		e.lookupFrom += " USE INDEX (PRIMARY)"
	}
	return e
}

// Among returns which of ids owner has an edge to.
func (e *Edges) Among(ctx context.Context, owner int64, ids []int64) ([]int64, error) {
	query := func() ([]int64, error) { return e.lookUp(ctx, owner, ids) }
	if e.held == nil {
		return query()
	}
	loadAll := func(limit int) ([]int64, error) {
		var all []int64
		err := e.db.WithContext(ctx).Table(e.table.Name).Where(e.table.Owner+" = ?", owner).
			Limit(limit).Pluck(e.table.Member, &all).Error
		if err != nil {
			return nil, fmt.Errorf("load all %s of %d: %w", e.table.Name, owner, err)
		}
		return all, nil
	}
	return e.held.Among(owner, ids, loadAll, query)
}

// AfterSet takes the result of setting one of owner's edges: a write that returned an event
// changed the edges, one that returned an error may have (its commit's answer can be lost, see
// event.Relay.Commit). Either way the cached set is dropped, so it never answers stale.
func (e *Edges) AfterSet(owner int64, eventID string, err error) {
	if e.held != nil && (eventID != "" || err != nil) {
		e.held.Changed(owner)
	}
}

func (e *Edges) lookUp(ctx context.Context, owner int64, ids []int64) ([]int64, error) {
	var out []int64
	err := e.db.WithContext(ctx).Table(e.lookupFrom).
		Where(e.table.Owner+" = ? AND "+e.table.Member+" IN ?", owner, ids).Pluck(e.table.Member, &out).Error
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", e.table.Name, err)
	}
	return out, nil
}
