package event

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"
)

// groupOf runs n Commits at once while a first one holds the writer, so that the n wait and
// go into one group. It starts them once the first's change runs, not once it leads: a leader
// takes the changes that arrive before its transaction begins into its own group. Commit i stores counter "k<i>" unless fail says it fails; each change
// records the transaction it ran in. It returns each Commit's event id and error.
func groupOf(t *testing.T, relay *Relay, n int, fail func(i int) error) (ids []string, errs []error, txOf []any) {
	t.Helper()
	ids, errs, txOf = make([]string, n), make([]error, n), make([]any, n)
	running, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := relay.Commit(context.Background(), func(tx *gorm.DB, eventID string) (*Outgoing, error) {
			close(running)
			<-release
			return nil, tx.Create(&counter{Key: "first", Value: 1}).Error
		})
		first <- err
	}()
	<-running

	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { // a change that panics panics in its own caller
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("panicked: %v", v)
				}
			}()
			ids[i], errs[i] = relay.Commit(context.Background(), func(tx *gorm.DB, eventID string) (*Outgoing, error) {
				txOf[i] = tx.Statement.ConnPool
				key := fmt.Sprintf("k%d", i)
				if err := tx.Create(&counter{Key: key, Value: 1}).Error; err != nil {
					return nil, err
				}
				return &Outgoing{Topic: topic, Key: key, Message: wrapperspb.String(eventID)}, fail(i)
			})
		}()
	}
	waitFor(t, "the commits to queue", 5*time.Second, func() bool { return queued(relay) == n })
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	return ids, errs, txOf
}

func queued(r *Relay) int {
	r.group.mu.Lock()
	defer r.group.mu.Unlock()
	return len(r.group.waiting)
}

func TestConcurrentCommitsShareOneTransaction(t *testing.T) {
	db, relay := openProducer(t, "producer", &counter{})
	const n = 10
	ids, errs, txOf := groupOf(t, relay, n, func(int) error { return nil })

	var outbox []string
	db.Model(&outboxRecord{}).Order("id").Pluck("event_id", &outbox)
	var rows int64
	db.Model(&counter{}).Count(&rows)
	if rows != n+1 || len(outbox) != n {
		t.Fatalf("%d rows, outbox %v; want the first's row and %d changes with their events", rows, outbox, n)
	}
	inOutbox := map[string]bool{}
	for _, id := range outbox {
		inOutbox[id] = true
	}
	for i := range n {
		if errs[i] != nil || !inOutbox[ids[i]] {
			t.Errorf("commit %d: id %q, %v; want its event in the outbox", i, ids[i], errs[i])
		}
		if txOf[i] != txOf[0] {
			t.Errorf("commit %d ran in another transaction than commit 0: want the waiting commits grouped", i)
		}
	}
}

func TestAFailedChangeFailsOnlyItsCommit(t *testing.T) {
	db, relay := openProducer(t, "producer", &counter{})
	const n, failing = 6, 3
	failure := errors.New("constraint violated")
	ids, errs, _ := groupOf(t, relay, n, func(i int) error {
		if i == failing {
			return failure
		}
		return nil
	})

	for i := range n {
		var rows int64
		db.Model(&counter{}).Where("key = ?", fmt.Sprintf("k%d", i)).Count(&rows)
		var events int64
		db.Model(&outboxRecord{}).Where("event_id = ?", ids[i]).Count(&events)
		if i == failing {
			if !errors.Is(errs[i], failure) || ids[i] != "" || rows != 0 {
				t.Errorf("the failing commit: id %q, %v, %d rows; want its error and nothing stored", ids[i], errs[i], rows)
			}
			continue
		}
		if errs[i] != nil || ids[i] == "" || rows != 1 || events != 1 {
			t.Errorf("commit %d beside a failing one: id %q, %v, %d rows, %d events; want it stored with its event", i, ids[i], errs[i], rows, events)
		}
	}
}

func TestACommitWhoseCallerLeftIsMadeAndAnswered(t *testing.T) {
	db, relay := openProducer(t, "producer", &counter{})
	running, release := make(chan struct{}), make(chan struct{})
	go relay.Commit(context.Background(), func(*gorm.DB, string) (*Outgoing, error) {
		close(running)
		<-release
		return nil, nil
	})
	<-running

	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		id, err := relay.Commit(ctx, func(tx *gorm.DB, eventID string) (*Outgoing, error) {
			return &Outgoing{Topic: topic, Key: "a", Message: wrapperspb.String(eventID)}, tx.Create(&counter{Key: "a", Value: 1}).Error
		})
		if err == nil && id == "" {
			err = errors.New("no event id")
		}
		result <- err
	}()
	waitFor(t, "the commit to queue", 5*time.Second, func() bool { return queued(relay) == 1 })
	cancel()
	time.Sleep(20 * time.Millisecond) // time to return early, were it to
	select {
	case err := <-result:
		t.Fatalf("Commit returned (%v) while its change was still to be made: a caller dropping its caches then would drop them before the commit", err)
	default:
	}
	close(release)
	if err := <-result; err != nil {
		t.Fatalf("a queued change whose caller left: %v; want it made, as a change that had begun would be", err)
	}
	var rows int64
	db.Model(&counter{}).Where("key = ?", "a").Count(&rows)
	if rows != 1 {
		t.Fatalf("%d rows; want the change stored", rows)
	}
}

// A change that panics (a bug) panics in its own caller; the group's other changes are made,
// and the next Commits are not left waiting for a leader that is gone.
func TestAPanickingChangePanicsOnlyInItsCaller(t *testing.T) {
	db, relay := openProducer(t, "producer", &counter{})
	const n, panicking = 5, 2
	ids, errs, _ := groupOf(t, relay, n, func(i int) error {
		if i == panicking {
			panic("a bug")
		}
		return nil
	})
	for i := range n {
		var rows int64
		db.Model(&counter{}).Where("key = ?", fmt.Sprintf("k%d", i)).Count(&rows)
		if i == panicking {
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "panicked: a bug") || rows != 0 {
				t.Errorf("the panicking commit: %v, %d rows; want its caller to panic and nothing stored", errs[i], rows)
			}
			continue
		}
		if errs[i] != nil || ids[i] == "" || rows != 1 {
			t.Errorf("commit %d beside a panicking one: id %q, %v, %d rows; want it stored", i, ids[i], errs[i], rows)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := relay.Commit(context.Background(), func(tx *gorm.DB, _ string) (*Outgoing, error) {
			return nil, tx.Create(&counter{Key: "after", Value: 1}).Error
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a Commit after the panic is still waiting: the lead was never handed on")
	}
}
