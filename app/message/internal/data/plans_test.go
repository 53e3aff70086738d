package data

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/database"
)

// checkPlans asks the database how it runs each query the repository makes and fails on a
// full scan of a table: the poll runs every few seconds on every open chat screen, and the
// others must not slow down as conversations grow.
func checkPlans(t *testing.T, db *gorm.DB) {
	t.Helper()
	var rows []messageModel
	var newest int64
	peers := []int64{1, 41, 42, 90, 110}
	queries := map[string]string{
		"conversation": db.ToSQL(func(tx *gorm.DB) *gorm.DB { return conversationQuery(tx, 40, 41, 1000).Find(&rows) }),
		"poll":         db.ToSQL(func(tx *gorm.DB) *gorm.DB { return pollQuery(tx, 41, 40, 1, 1000).Find(&rows) }),
		"newest":       db.ToSQL(func(tx *gorm.DB) *gorm.DB { return newestQuery(tx, 41, 40).Scan(&newest) }),
		"latest":       db.ToSQL(func(tx *gorm.DB) *gorm.DB { return latestQuery(tx, 100, peers).Find(&rows) }),
	}
	// A thousand other conversations: on a handful of rows a table scan is the cheaper plan, and
	// MySQL rightly picks it.
	const filler = 1000
	convs := make([]conversationModel, filler)
	msgs := make([]messageModel, filler)
	for i := range filler {
		low := int64(1_000_000 + i)
		convs[i] = conversationModel{UserLow: low, UserHigh: low + 1, LastTime: int64(i + 1)}
		msgs[i] = messageModel{UserLow: low, UserHigh: low + 1, FromUserID: low, ToUserID: low + 1, Content: "filler", CreateTime: int64(i + 1)}
	}
	if err := db.CreateInBatches(convs, 200).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.CreateInBatches(msgs, 200).Error; err != nil {
		t.Fatal(err)
	}
	if database.IsMySQL(db) {
		// Fresh statistics, as a long-running server has.
		if err := db.Exec("ANALYZE TABLE conversations, messages").Error; err != nil {
			t.Fatal(err)
		}
	}
	for name, query := range queries {
		plan := explain(t, db, query)
		t.Logf("%s: %s\n  %s", name, query, strings.Join(plan, "\n  "))
		for _, step := range plan {
			if strings.Contains(step, "full scan") {
				t.Errorf("%s reads a whole table: %s\nquery: %s", name, step, query)
			}
		}
	}
}

// explain returns one line per step of the plan of query, saying "full scan" for a step that
// reads a table without an index.
func explain(t *testing.T, db *gorm.DB, query string) []string {
	t.Helper()
	var out []string
	if database.IsMySQL(db) {
		var steps []struct {
			Table string
			Type  *string
			Key   *string
			Extra *string
		}
		if err := db.Raw("EXPLAIN " + query).Scan(&steps).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			typ, key, extra := deref(s.Type), deref(s.Key), deref(s.Extra)
			line := "table " + s.Table + " type " + typ + " key " + key + " extra " + extra
			// MAX over an index prefix is read from the index while planning.
			if (typ == "ALL" || typ == "index" || key == "") && !strings.Contains(extra, "Select tables optimized away") {
				line += " (full scan)"
			}
			out = append(out, line)
		}
		return out
	}
	var steps []struct{ Detail string }
	if err := db.Raw("EXPLAIN QUERY PLAN " + query).Scan(&steps).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		line := s.Detail
		if strings.HasPrefix(line, "SCAN ") {
			line += " (full scan)"
		}
		out = append(out, line)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
