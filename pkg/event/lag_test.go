package event

import (
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/segmentio/kafka-go"

	"github.com/douyin-kratos/douyin/pkg/metrics"
)

func lagMetric(t *testing.T, group string) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "douyin_consumer_lag{") && strings.Contains(line, `group="`+group+`"`) {
			out = append(out, line)
		}
	}
	return out
}

func TestConsumerLagPerPartition(t *testing.T) {
	c := NewConsumer("lag-test", nil, nil, nil, nil, ConsumerOptions{}, log.NewStdLogger(io.Discard))
	batch := []kafka.Message{
		{Topic: "t", Partition: 0, Offset: 5, HighWaterMark: 10},
		{Topic: "t", Partition: 1, Offset: 0, HighWaterMark: 1},
		{Topic: "t", Partition: 0, Offset: 6, HighWaterMark: 10},
		{Topic: "t", Partition: 0, Offset: 7, HighWaterMark: 10},
	}

	c.recordLag(batch, false)
	want := []string{
		`douyin_consumer_lag{group="lag-test",partition="0",topic="t"} 5`,
		`douyin_consumer_lag{group="lag-test",partition="1",topic="t"} 1`,
	}
	if got := lagMetric(t, "lag-test"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("while applying, lag\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	c.recordLag(batch, true)
	want = []string{
		`douyin_consumer_lag{group="lag-test",partition="0",topic="t"} 2`,
		`douyin_consumer_lag{group="lag-test",partition="1",topic="t"} 0`,
	}
	if got := lagMetric(t, "lag-test"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after committing, lag\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// metricValue is the value of the sample named exactly series (name{labels}) in /metrics, or 0.
func metricValue(t *testing.T, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if value, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	return 0
}
