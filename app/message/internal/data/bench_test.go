package data

import (
	"context"
	"testing"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

// BenchmarkPollNothingNew is the call every open chat screen makes every few seconds: a poll
// from the newest message it shows, which finds nothing.
func BenchmarkPollNothingNew(b *testing.B) {
	sqlite := func(b *testing.B) *confv1.Bootstrap {
		return &confv1.Bootstrap{DataDir: b.TempDir(), Database: &confv1.Database{Driver: "sqlite"}}
	}
	cases := []struct {
		name string
		bc   func(b *testing.B) *confv1.Bootstrap
	}{
		{"sqlite/database", sqlite},
		{"sqlite/memory", func(b *testing.B) *confv1.Bootstrap {
			bc := sqlite(b)
			bc.Kafka = &confv1.Kafka{InProcess: true}
			return bc
		}},
		{"mysql/database", func(b *testing.B) *confv1.Bootstrap {
			return &confv1.Bootstrap{Database: databasetest.MySQL(b)}
		}},
		{"mysql/redis", func(b *testing.B) *confv1.Bootstrap {
			return &confv1.Bootstrap{Database: databasetest.MySQL(b), Redis: databasetest.Redis(b)}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := openStores(b, c.bc(b))
			const user, peer = int64(1), int64(2)
			var newest int64
			for i := range 50 {
				from, to := peer, user
				if i%2 == 0 {
					from, to = user, peer
				}
				if m := s.send(b, from, to, "history"); from == peer {
					newest = m.CreateTime
				}
			}
			ctx := context.Background()
			s.reads.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				got, err := s.repo.SentAfter(ctx, peer, user, newest, everything)
				if err != nil || len(got) != 0 {
					b.Fatalf("SentAfter = %d messages, %v; want none", len(got), err)
				}
			}
			b.ReportMetric(float64(s.reads.Load())/float64(b.N), "db-reads/op")
		})
	}
}
