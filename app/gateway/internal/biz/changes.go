package biz

import "context"

// Changes counts the changes readers can see anywhere in the system (pkg/changes): an answer
// kept at one count is good while the count stands.
type Changes interface {
	Count(ctx context.Context) (int64, error)
}
